// The dashboard's server: the page (embedded in this binary) and the replay of a trace
// (replay.cpp), served by cpp-httplib on loopback.
#include "leomesh/emulator/dashboard.hpp"

#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "dashboard_assets.hpp"

namespace leomesh::emulator {

using nlohmann::json;

mesh::Result<int> serve_dashboard(const DashboardOptions& o, const std::function<void(const std::string&)>& listening) {
  std::ifstream in(o.trace_path);
  if (!in) return mesh::fail("TRACE", "cannot read '" + o.trace_path + "'");
  const json trace = json::parse(in, nullptr, false);
  if (trace.is_discarded()) return mesh::fail("TRACE", "'" + o.trace_path + "' is not JSON");
  auto replay = replay_from_trace(trace, o.frames, 5000);
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
