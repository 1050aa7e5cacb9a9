// Every third-party dependency is found, links, and does real work on this machine.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <asio.hpp>
#include <google/protobuf/stubs/common.h>
#include <ns3/core-module.h>
#include <openssl/evp.h>
#include <zmq.hpp>

TEST_CASE("ns-3 runs a scheduled event in virtual time", "[deps]") {
  double fired_at = -1;
  ns3::Simulator::Schedule(ns3::Seconds(1.5), [&fired_at] { fired_at = ns3::Simulator::Now().GetSeconds(); });
  ns3::Simulator::Run();
  ns3::Simulator::Destroy();
  CHECK(fired_at == 1.5);
}

TEST_CASE("ZeroMQ carries a message over inproc, and CURVE is available", "[deps]") {
  zmq::context_t ctx;
  zmq::socket_t a(ctx, zmq::socket_type::pair), b(ctx, zmq::socket_type::pair);
  a.bind("inproc://deps");
  b.connect("inproc://deps");
  a.send(zmq::buffer(std::string("ping")), zmq::send_flags::none);
  zmq::message_t m;
  REQUIRE(b.recv(m));
  CHECK(m.to_string() == "ping");
  CHECK(zmq_has("curve") == 1);
}

TEST_CASE("Asio runs a timer", "[deps]") {
  asio::io_context io;
  asio::steady_timer t(io, std::chrono::milliseconds(1));
  bool fired = false;
  t.async_wait([&](const asio::error_code& ec) { fired = !ec; });
  io.run();
  CHECK(fired);
}

TEST_CASE("OpenSSL SHA-1 of 'abc' is the FIPS 180 test vector", "[deps]") {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string abc = "abc";
  REQUIRE(EVP_Digest(abc.data(), abc.size(), out, &len, EVP_sha1(), nullptr) == 1);
  REQUIRE(len == 20);
  CHECK(out[0] == 0xa9);
  CHECK(out[1] == 0x99);
  CHECK(out[19] == 0x9d);
}

TEST_CASE("Eigen and Protobuf are usable", "[deps]") {
  Eigen::Vector3d x(1, 2, 2);
  CHECK(x.norm() == 3.0);
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  CHECK(GOOGLE_PROTOBUF_VERSION >= 3000000);
}
