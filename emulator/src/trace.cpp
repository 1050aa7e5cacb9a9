#include "leomesh/emulator/trace.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace leomesh::emulator {
namespace {

std::string us(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", s * 1e6);
  return b;
}
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}
// Process and track of satellite `sat`; process 0 is the constellation's own.
std::string where(int sat) { return "\"pid\":" + std::to_string(sat + 1) + ",\"tid\":1"; }
const std::string kConstellation = "\"pid\":0,\"tid\":1";

}  // namespace

TraceRecorder::TraceRecorder(const mesh::Topology& topo, int workers, Options options)
    : topo_(topo), workers_(workers), opt_(options), sats_(static_cast<std::size_t>(topo.satellites())) {
  if (opt_.counter_interval_s <= 0) opt_.counter_interval_s = std::max(1e-3, topo.satellites() / 20 * 1e-3);
  grid_.resize(sats_.size());
  link_up_.resize(topo.links().size());
  for (std::size_t i = 0; i < link_up_.size(); ++i) link_up_[i] = topo.state(static_cast<int>(i)).active;
}

void TraceRecorder::open_spell(int sat, double now) {
  // Part of the open slice if it follows closely, else a slice of its own.
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  if (s.open_from >= 0 && now - s.open_to > opt_.merge_s) flush_busy(sat);
  if (s.open_from >= 0) return;
  if (now > s.idle_from)
    add(s.idle_from, "\"name\":\"idle\",\"ph\":\"X\"," + where(sat) + ",\"dur\":" + us(now - s.idle_from) +
                         ",\"args\":{\"failed_steals\":" + std::to_string(s.failed_steals) + "}");
  s.failed_steals = 0;
  s.open_from = now;
}

void TraceRecorder::sample_queue(int sat, double now, std::size_t queued) {
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  if (now - s.last_sample < opt_.counter_interval_s) return;
  s.last_sample = now;
  add(now, "\"name\":\"queue\",\"ph\":\"C\",\"pid\":" + std::to_string(sat + 1) + ",\"args\":{\"tasks\":" +
               std::to_string(queued) + "}");
}

void TraceRecorder::task_started(int sat, double now, double cost_s, std::size_t queued) {
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  if (s.busy_workers++ == 0) open_spell(sat, now);
  ++s.tasks;
  s.worker_s += cost_s;
  deposit(sat, now, now + cost_s);
  s.open_to = std::max(s.open_to, now + cost_s);
  sample_queue(sat, now, queued);
}

void TraceRecorder::busy(int sat, double from, double to, double worker_s, std::uint64_t tasks, std::size_t queued) {
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  open_spell(sat, from);
  s.tasks += tasks;  // also from a sample of no length (two taken at one instant): every task counts
  s.worker_s += worker_s;
  if (to > from) deposit(sat, from, to, worker_s / (to - from));  // spread evenly: all a sample tells
  s.open_to = std::max(s.open_to, to);
  sample_queue(sat, to, queued);
}

void TraceRecorder::task_finished(int sat, double now) {
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  if (s.busy_workers > 0) --s.busy_workers;
  s.open_to = std::max(s.open_to, now);
}

void TraceRecorder::deposit(int sat, double from, double to, double workers) {
  // A run longer than the grid: halve the resolution everywhere (pairs of spans merge), so
  // memory stays bounded for a run of any length.
  while (to / span_s_ >= static_cast<double>(kGridSpans)) {
    for (auto& row : grid_) {
      for (std::size_t i = 0; 2 * i < row.size(); ++i) row[i] = row[2 * i] + (2 * i + 1 < row.size() ? row[2 * i + 1] : 0);
      row.resize((row.size() + 1) / 2);
    }
    span_s_ *= 2;
  }
  auto& row = grid_[static_cast<std::size_t>(sat)];
  const auto last = static_cast<std::size_t>(to / span_s_);
  if (row.size() <= last) row.resize(last + 1, 0);
  for (auto i = static_cast<std::size_t>(from / span_s_); i <= last; ++i) {
    const double a = std::max(from, static_cast<double>(i) * span_s_), b = std::min(to, static_cast<double>(i + 1) * span_s_);
    if (b > a) row[i] += static_cast<float>((b - a) * workers);
  }
}

std::vector<std::vector<double>> TraceRecorder::utilisation_grid(int columns, double end_s) const {
  std::vector<std::vector<double>> out(grid_.size(), std::vector<double>(static_cast<std::size_t>(std::max(columns, 1)), 0));
  if (!(end_s > 0) || columns < 1) return out;
  const double width = end_s / columns;
  for (std::size_t s = 0; s < grid_.size(); ++s) {
    for (std::size_t i = 0; i < grid_[s].size(); ++i) {
      // A kept span lies in one column or straddles two: split it by overlap.
      const double a = static_cast<double>(i) * span_s_, b = a + span_s_;
      for (auto c = static_cast<std::size_t>(a / width); c < out[s].size() && static_cast<double>(c) * width < b; ++c) {
        const double lo = std::max(a, static_cast<double>(c) * width), hi = std::min(b, static_cast<double>(c + 1) * width);
        if (hi > lo) out[s][c] += grid_[s][i] * (hi - lo) / span_s_;
      }
    }
    for (double& v : out[s]) v = std::min(1.0, v / (workers_ * width));
  }
  return out;
}

void TraceRecorder::flush_busy(int sat) {
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  if (s.open_from < 0) return;
  add(s.open_from, "\"name\":\"busy\",\"ph\":\"X\"," + where(sat) + ",\"dur\":" + us(s.open_to - s.open_from) +
                       ",\"args\":{\"tasks\":" + std::to_string(s.tasks) + ",\"worker_s\":" + num(s.worker_s) + "}");
  s.idle_from = s.open_to;
  s.open_from = s.open_to = -1;
  s.tasks = 0;
  s.worker_s = 0;
}

void TraceRecorder::steal(const scheduler::StealEvent& e) {
  if (e.tasks == 0) {
    ++sats_[static_cast<std::size_t>(e.thief)].failed_steals;
    return;
  }
  const double sent = e.at_s - e.latency_s;
  const std::string id = std::to_string(++flow_id_);
  add(sent, "\"name\":\"steal from " + std::to_string(e.victim) + "\",\"cat\":\"steal\",\"ph\":\"X\"," + where(e.thief) +
                ",\"dur\":" + us(e.latency_s) + ",\"args\":{\"victim\":" + std::to_string(e.victim) +
                ",\"tasks\":" + std::to_string(e.tasks) + ",\"hops\":" + std::to_string(e.hops) + "}");
  // The arrow: from the request leaving the thief to the victim, half a round trip later.
  arrow("steal", e.thief, e.victim, sent, sent + e.latency_s / 2);
}

void TraceRecorder::arrow(const char* cat, int from, int to, double sent_s, double arrived_s) {
  const std::string head = std::string("\"name\":\"") + cat + "\",\"cat\":\"" + cat + "\",\"id\":" + std::to_string(++flow_id_);
  add(sent_s, head + ",\"ph\":\"s\"," + where(from));
  add(arrived_s, head + ",\"ph\":\"f\",\"bp\":\"e\"," + where(to));
}

void TraceRecorder::sent(int from, int to, scheduler::MessageKind kind, std::uint32_t tasks, double at_s) {
  if (kind != scheduler::MessageKind::loot_push) {
    const char* what = kind == scheduler::MessageKind::weight_return    ? "weight home"
                       : kind == scheduler::MessageKind::account_return ? "results home"
                       : kind == scheduler::MessageKind::terminate      ? "end"
                                                                        : nullptr;
    if (what == nullptr) return;
    add(at_s, std::string("\"name\":\"") + what + " to " + std::to_string(to) +
                  "\",\"cat\":\"termination\",\"ph\":\"i\",\"s\":\"t\"," + where(from));
    arrow("termination", from, to, at_s, at_s);
    return;
  }
  // Pushes are aggregated per giver and receiver over a counter interval: the demand
  // gradient pushes to every neighbour each round trip, 460,000 pushes in a Starlink run at
  // 1 ms per node, which one event each made a trace of 160 MB.
  Pushes& p = pushes_[{from, to}];
  if (p.pushes > 0 && at_s - p.first_s >= opt_.counter_interval_s) flush_pushes(from, to, p);
  if (p.pushes++ == 0) p.first_s = at_s;
  p.tasks += tasks;
}

void TraceRecorder::flush_pushes(int from, int to, Pushes& p) {
  add(p.first_s, "\"name\":\"push to " + std::to_string(to) + "\",\"cat\":\"push\",\"ph\":\"i\",\"s\":\"t\"," +
                     where(from) + ",\"args\":{\"tasks\":" + std::to_string(p.tasks) +
                     ",\"pushes\":" + std::to_string(p.pushes) + "}");
  arrow("push", from, to, p.first_s, p.first_s);
  p = Pushes{};
}

void TraceRecorder::links(const mesh::Topology& topo, double now) {
  for (std::size_t i = 0; i < link_up_.size(); ++i) {
    const bool up = topo.state(static_cast<int>(i)).active;
    if (up == static_cast<bool>(link_up_[i])) continue;
    link_up_[i] = up;
    const mesh::Link& l = topo.links()[i];
    add(now, std::string("\"name\":\"ISL ") + std::to_string(l.a) + "-" + std::to_string(l.b) + (up ? " up" : " down") +
                 "\",\"cat\":\"link\",\"ph\":\"i\",\"s\":\"p\"," + kConstellation + ",\"args\":{\"a\":" +
                 std::to_string(l.a) + ",\"b\":" + std::to_string(l.b) + ",\"up\":" + (up ? "true" : "false") + "}");
  }
}

void TraceRecorder::crash(int sat, double at_s, bool restart) {
  Satellite& s = sats_[static_cast<std::size_t>(sat)];
  if (s.open_from >= 0) s.open_to = std::min(s.open_to, at_s);  // its running tasks died with it
  flush_busy(sat);
  s.busy_workers = 0;
  s.idle_from = at_s;
  add(at_s, std::string("\"name\":\"") + (restart ? "restart" : "crash") + "\",\"cat\":\"fault\",\"ph\":\"i\",\"s\":\"t\"," +
                where(sat));
}

void TraceRecorder::finished(double last_task_s, double finished_s) {
  add(last_task_s, "\"name\":\"termination detection\",\"cat\":\"termination\",\"ph\":\"X\"," + kConstellation +
                       ",\"dur\":" + us(std::max(0.0, finished_s - last_task_s)));
}

std::size_t TraceRecorder::write(std::ostream& out, double end_s) {
  for (int s = 0; s < static_cast<int>(sats_.size()); ++s) flush_busy(s);
  for (auto& [pair, p] : pushes_)
    if (p.pushes > 0) flush_pushes(pair.first, pair.second, p);
  // A live run's last samples and messages come as its agents stop, after the root's end.
  for (const Event& e : events_) end_s = std::max(end_s, e.ts_s);
  for (const Satellite& s : sats_) end_s = std::max(end_s, s.idle_from);
  std::stable_sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) { return a.ts_s < b.ts_s; });
  out << "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"satellites\":" << topo_.satellites()
      << ",\"workers\":" << workers_ << ",\"topology\":\"" << topo_.spec().name << "\",\"links\":\""
      << topo_.link_model().to_string() << "\",\"end_s\":" << num(end_s)
      << "},\"traceEvents\":[\n";
  out << "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"args\":{\"name\":\"constellation\"}}";
  for (int s = 0; s < topo_.satellites(); ++s)
    out << ",\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" << s + 1 << ",\"args\":{\"name\":\"sat " << s
        << " (plane " << s / topo_.per_plane() << ", slot " << s % topo_.per_plane() << ")\"}}"
        << ",\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":" << s + 1 << ",\"args\":{\"sort_index\":" << s + 1
        << "}}";
  for (const Event& e : events_) out << ",\n{\"ts\":" << us(e.ts_s) << "," << e.json << "}";
  out << "\n]}\n";
  return events_.size();
}

}  // namespace leomesh::emulator
