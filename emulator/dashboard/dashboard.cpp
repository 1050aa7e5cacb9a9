// The dashboard's server: the page (embedded in this binary) and the replay of a trace
// (replay.cpp), served by cpp-httplib on loopback; during a live run, also the stream of
// server-sent events that tells open pages a newer view is there.
#include "leomesh/emulator/dashboard.hpp"

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <iterator>
#include <sstream>
#include <thread>

#include "dashboard_assets.hpp"

namespace leomesh::emulator {

using nlohmann::json;

namespace {
// A trace is one JSON document; a raw.jsonl is one run per line, of which one is shown.
mesh::Result<json> load_replay(const DashboardOptions& o) {
  std::ifstream in(o.trace_path);
  if (!in) return mesh::fail("TRACE", "cannot read '" + o.trace_path + "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const json whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded() && o.run == 0) return replay_from_trace(whole, o.frames, 5000);
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (o.run != 0 && number != o.run) continue;
    const json run = json::parse(line, nullptr, false);
    if (run.is_discarded())
      return mesh::fail("TRACE", "'" + o.trace_path + "' is neither a trace nor JSON lines (line " + std::to_string(number) + ")");
    if (o.run == 0 && !run.contains("heat")) continue;
    return replay_from_run(run);
  }
  if (o.run != 0) return mesh::fail("--run", "'" + o.trace_path + "' has no line " + std::to_string(o.run));
  return mesh::fail("TRACE", "'" + o.trace_path + "' holds no run with a spread grid (ns-3 runs of `leomesh experiment`)");
}

// The map under the ground tracks: NASA's Visible Earth, equirectangular, from Debian's
// xplanet-images (install-deps installs it); without it the page draws the graticule only.
constexpr const char* kEarthMap = "/usr/share/xplanet/images/earth.jpg";

// The page and its files, and /replay.json as `replay()` has it at each request.
void mount_page(httplib::Server& server, std::function<std::string()> replay) {
  auto earth = std::make_shared<std::string>();
  if (std::ifstream in{kEarthMap, std::ios::binary})
    earth->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  server.Get("/earth.jpg", [earth](const httplib::Request&, httplib::Response& res) {
    if (earth->empty()) {
      res.status = 404;
      return;
    }
    res.set_content(*earth, "image/jpeg");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kDashboardHtml, "text/html"); });
  server.Get("/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kDashboardJs, "application/javascript");
  });
  server.Get("/style.css", [](const httplib::Request&, httplib::Response& res) { res.set_content(kDashboardCss, "text/css"); });
  server.Get("/replay.json", [replay = std::move(replay)](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(replay(), "application/json");
  });
}

// The port it listens on, or an Error naming `flag`.
mesh::Result<int> bind_server(httplib::Server& server, const std::string& bind, int port, const std::string& flag) {
  const int bound = port == 0 ? server.bind_to_any_port(bind) : (server.bind_to_port(bind, port) ? port : -1);
  if (bound < 0) return mesh::fail(flag, "cannot listen on " + bind + ":" + std::to_string(port));
  return bound;
}

std::string url_of(const std::string& bind, int port) {
  return "http://" + (bind == "0.0.0.0" ? std::string("127.0.0.1") : bind) + ":" + std::to_string(port) + "/";
}
}  // namespace

mesh::Result<int> serve_dashboard(const DashboardOptions& o, const std::function<void(const std::string&)>& listening) {
  auto replay = load_replay(o);
  if (!replay) return replay.error();
  auto text = std::make_shared<const std::string>(replay->dump());

  httplib::Server server;
  mount_page(server, [text] { return *text; });
  const auto port = bind_server(server, o.bind, o.port, "--port");
  if (!port) return port.error();

  // SIGINT / SIGTERM end the server: a thread waits for them, the others never see them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  listening(url_of(o.bind, *port));
  server.listen_after_bind();
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);  // ended otherwise: release the waiter
    waiter.join();
  }
  return 0;
}

struct LiveDashboard::Impl {
  httplib::Server server;
  std::thread thread;
  std::string url;
  std::mutex mutex;
  std::condition_variable changed;
  std::string replay;         // the view, as /replay.json serves it
  std::uint64_t version = 0;  // of `replay`: what /events announces
  bool ended = false, stopping = false;

  // One page's event stream: each new version once, a comment every second so that a page
  // gone is noticed (the write fails), and after end() the end.
  bool stream(std::uint64_t& seen, httplib::DataSink& sink) {
    std::string out;
    bool over = false;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait_for(lock, std::chrono::seconds(1), [&] { return version != seen || ended || stopping; });
      if (stopping) return false;
      if (version != seen) {
        seen = version;
        out = "data: " + std::to_string(version) + "\n\n";
      }
      over = ended && seen == version;
    }
    if (over) out += "event: end\ndata: end\n\n";
    if (out.empty()) out = ": waiting\n\n";
    if (!sink.write(out.data(), out.size())) return false;
    if (over) sink.done();
    return true;
  }
};

mesh::Result<std::unique_ptr<LiveDashboard>> LiveDashboard::start(const std::string& bind, int port) {
  auto impl = std::make_unique<Impl>();
  Impl* live = impl.get();
  mount_page(live->server, [live] {
    std::lock_guard<std::mutex> lock(live->mutex);
    return live->replay;
  });
  live->server.Get("/events", [live](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    auto seen = std::make_shared<std::uint64_t>(0);
    res.set_chunked_content_provider(
        "text/event-stream", [live, seen](std::size_t, httplib::DataSink& sink) { return live->stream(*seen, sink); });
  });
  const auto bound = bind_server(live->server, bind, port, "--dashboard");
  if (!bound) return bound.error();
  live->url = url_of(bind, *bound);
  live->thread = std::thread([live] { live->server.listen_after_bind(); });
  return std::unique_ptr<LiveDashboard>(new LiveDashboard(std::move(impl)));
}

LiveDashboard::LiveDashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LiveDashboard::~LiveDashboard() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

const std::string& LiveDashboard::url() const { return impl_->url; }

void LiveDashboard::update(const nlohmann::json& replay) {
  json r = replay;
  r["live"] = true;  // the page then listens to /events
  std::string text = r.dump();
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->replay = std::move(text);
    ++impl_->version;
  }
  impl_->changed.notify_all();
}

void LiveDashboard::end() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->ended = true;
  }
  impl_->changed.notify_all();
}

}  // namespace leomesh::emulator
