#include "leomesh/emulator/netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace leomesh::emulator {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }
// The same, after closing `fd` (which must not change the errno reported).
[[noreturn]] void fail_closing(int fd, const std::string& what) {
  const int e = errno;
  ::close(fd);
  errno = e;
  fail(what);
}

// Runs `body` with the calling thread inside namespace `fd`, and puts it back where it was
// whatever happens: a socket or tap made meanwhile belongs to that namespace for good.
template <typename Body>
auto inside(int fd, Body body) {
  const int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) fail("open /proc/thread-self/ns/net");
  if (setns(fd, CLONE_NEWNET) != 0) {
    ::close(home);
    fail("setns into a satellite's namespace");
  }
  struct Back {
    int home;
    ~Back() {
      // Failing to return would leave the launcher in a satellite's network: fatal.
      if (setns(home, CLONE_NEWNET) != 0) std::abort();
      ::close(home);
    }
  } back{home};
  return body();
}

}  // namespace

NetNamespace NetNamespace::create() {
  // A child unshares a new namespace and waits; we open it through /proc, then the child
  // goes. The descriptor alone keeps the namespace alive.
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) fail("pipe");
  const pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  ::close(ready[1]);
  char ok = 'n';
  const bool got = ::read(ready[0], &ok, 1) == 1;
  ::close(ready[0]);
  int fd = -1;
  if (got && ok == 'y') fd = ::open(("/proc/" + std::to_string(child) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
  const int saved = errno;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  errno = got && ok == 'y' ? saved : EPERM;
  if (fd < 0) fail("creating a network namespace");
  return NetNamespace(fd);
}

NetNamespace::NetNamespace(NetNamespace&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
NetNamespace& NetNamespace::operator=(NetNamespace&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}
NetNamespace::~NetNamespace() {
  if (fd_ >= 0) ::close(fd_);
}

int NetNamespace::open_tap(const std::string& name, const Mac& mac) const {
  if (name.size() >= IFNAMSIZ) throw std::runtime_error("interface name too long: " + name);
  return inside(fd_, [&] {
    const int tap = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (tap < 0) fail("open /dev/net/tun");
    ifreq r{};
    r.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(tap, TUNSETIFF, &r) != 0) fail_closing(tap, "creating tap device " + name);
    ifreq hw{};
    std::strncpy(hw.ifr_name, name.c_str(), IFNAMSIZ - 1);
    hw.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    std::memcpy(hw.ifr_hwaddr.sa_data, mac.data(), mac.size());
    if (ioctl(tap, SIOCSIFHWADDR, &hw) != 0) fail_closing(tap, "setting the address of " + name);
    return tap;
  });
}

void NetNamespace::run_ip(const std::vector<std::string>& commands) const {
  int in[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) fail("pipe");
  if (pipe2(err, O_CLOEXEC) != 0) fail("pipe");
  const pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (setns(fd_, CLONE_NEWNET) != 0) _exit(126);
    dup2(in[0], STDIN_FILENO);
    dup2(err[1], STDERR_FILENO);
    dup2(err[1], STDOUT_FILENO);
    execlp("ip", "ip", "-batch", "-", static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(in[0]);
  ::close(err[1]);
  std::string script;
  for (const auto& c : commands) script += c + "\n";
  // Ignore SIGPIPE meanwhile: ip stops reading at its first failing command.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  for (std::size_t at = 0; at < script.size();) {
    const ssize_t n = ::write(in[1], script.data() + at, script.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    at += static_cast<std::size_t>(n);
  }
  ::close(in[1]);
  sigaction(SIGPIPE, &old, nullptr);
  std::string said;
  char buf[512];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    said.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) throw std::runtime_error("cannot run ip (package iproute2)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!said.empty() && said.back() == '\n') said.pop_back();
    throw std::runtime_error("configuring a satellite's network: " + (said.empty() ? "ip failed" : said));
  }
}

int NetNamespace::udp_socket(const std::string& ipv4, int port) const {
  return inside(fd_, [&] {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) fail("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, ipv4.c_str(), &a.sin_addr) != 1) {
      ::close(s);
      throw std::runtime_error("not an IPv4 address: " + ipv4);
    }
    if (::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) fail_closing(s, "binding " + ipv4);
    return s;
  });
}

bool NetNamespace::enter_for_good() const noexcept { return setns(fd_, CLONE_NEWNET) == 0; }

bool can_create_network_namespaces() {
  const pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) _exit(unshare(CLONE_NEWNET) == 0 && ::access("/dev/net/tun", R_OK | W_OK) == 0 ? 0 : 1);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string format_mac(const NetNamespace::Mac& m) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return s;
}

}  // namespace leomesh::emulator
