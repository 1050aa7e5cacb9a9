// The dashboard's server: the page (embedded in this binary) and the replay of a trace
// (replay.cpp), served by cpp-httplib on loopback.
#include "leomesh/emulator/dashboard.hpp"

#include <httplib.h>
#include <signal.h>

#include <fstream>
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
}  // namespace

mesh::Result<int> serve_dashboard(const DashboardOptions& o, const std::function<void(const std::string&)>& listening) {
  auto replay = load_replay(o);
  if (!replay) return replay.error();
  const std::string replay_text = replay->dump();

  httplib::Server server;
  server.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kDashboardHtml, "text/html"); });
  server.Get("/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kDashboardJs, "application/javascript");
  });
  server.Get("/style.css", [](const httplib::Request&, httplib::Response& res) { res.set_content(kDashboardCss, "text/css"); });
  server.Get("/replay.json", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(replay_text, "application/json");
  });
  const int port = o.port == 0 ? server.bind_to_any_port(o.bind) : (server.bind_to_port(o.bind, o.port) ? o.port : -1);
  if (port < 0) return mesh::fail("--port", "cannot listen on " + o.bind + ":" + std::to_string(o.port));

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
  const std::string host = o.bind == "0.0.0.0" ? "127.0.0.1" : o.bind;
  listening("http://" + host + ":" + std::to_string(port) + "/");
  server.listen_after_bind();
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);  // ended otherwise: release the waiter
    waiter.join();
  }
  return 0;
}

}  // namespace leomesh::emulator
