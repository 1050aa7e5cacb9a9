#include "leomesh/node/link_emulator.hpp"

namespace leomesh::node {

void LinkEmulator::send(int peer, double latency_s, double serialisation_s, std::string frame) {
  if (cancelled_) return;
  Link& l = links_[peer];
  if (latency_s <= 0 && serialisation_s <= 0 && l.queue.empty()) {
    transport_.send(peer, frame);
    return;
  }
  if (!l.timer) l.timer = std::make_unique<asio::steady_timer>(io_);
  l.queue.enqueue(now(), std::move(frame), latency_s, serialisation_s);
  arm(peer, l);
}

void LinkEmulator::arm(int peer, Link& l) {
  if (l.queue.empty()) return;
  const double when = l.queue.next_release();
  if (l.armed_for == when) return;  // the timer already waits for this frame
  l.armed_for = when;
  l.timer->expires_at(epoch_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(when)));
  l.timer->async_wait([this, peer](const asio::error_code& ec) {
    if (ec || cancelled_) return;
    Link& link = links_[peer];
    link.armed_for = -1;
    const double t = now();
    while (link.queue.ready(t)) transport_.send(peer, link.queue.pop());
    arm(peer, link);
  });
}

void LinkEmulator::cancel() {
  cancelled_ = true;
  for (auto& kv : links_)
    if (kv.second.timer) kv.second.timer->cancel();
}

std::size_t LinkEmulator::high_water() const {
  std::size_t hw = 0;
  for (const auto& kv : links_) hw = std::max(hw, kv.second.queue.high_water());
  return hw;
}

}  // namespace leomesh::node
