// Text format in and out, and the files of a generated constellation.
#include <fcntl.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "internal.hpp"
#include "leomesh/firmware_config/config.hpp"

namespace leomesh::firmware_config {
namespace {

namespace fs = std::filesystem;

/// A configuration is a few kilobytes (a cluster of 2048 about half a megabyte); anything
/// far larger is not one, and reading it whole could exhaust a small flight computer.
constexpr std::size_t kMaxFileBytes = 64u << 20;

/// Keeps the parser's first error: later ones are usually consequences of it.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (have_) return;
    have_ = true;
    line_ = line;
    column_ = column;
    message_ = message;
  }

  mesh::Error error(std::string_view source_name) const {
    if (!have_) return mesh::fail(std::string(source_name), "not a valid configuration");
    // protobuf counts from 0; editors and compilers count from 1.
    const std::string line = std::to_string(line_ + 1), column = std::to_string(column_ + 1);
    if (line_ < 0) return mesh::fail(std::string(source_name), message_);
    if (source_name.empty()) return mesh::fail("line " + line + ", column " + column, message_);
    return mesh::fail(std::string(source_name) + ":" + line + ":" + column, message_);
  }

 private:
  bool have_ = false;
  int line_ = -1, column_ = -1;
  std::string message_;
};

std::string errno_text() {
  return std::strerror(errno);
}

/// Writes a whole file with `mode`, also when it already exists with a looser one.
std::optional<mesh::Error> write_file(const fs::path& path, const std::string& content,
                                      mode_t mode) {
  // O_NOFOLLOW: a symlink planted where a secret key goes must not redirect the key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return mesh::fail(path.string(), "cannot write: " + errno_text());
  std::optional<mesh::Error> err;
  if (::fchmod(fd, mode) != 0)
    err = mesh::fail(path.string(), "cannot set its mode: " + errno_text());
  std::size_t done = 0;
  while (!err && done < content.size()) {
    const ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      err = mesh::fail(path.string(), "cannot write: " + errno_text());
    else
      done += static_cast<std::size_t>(w);
  }
  if (::close(fd) != 0 && !err) err = mesh::fail(path.string(), "cannot write: " + errno_text());
  return err;
}

/// The id in "sat-<id>.conf", or -1 for any other name.
long conf_file_id(const std::string& name) {
  const std::string prefix = "sat-", suffix = ".conf";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stol(digits);
}

}  // namespace

std::string to_text(const config::SatelliteConfig& c) {
  // The topology is whatever the file said: a line break in it would end the comment and the
  // rest be read back as fields ("x\nworkers: 1" gave a workers field), a NUL stops the parser.
  std::string topology = c.network().topology();
  for (char& ch : topology)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  std::string head = "# leomesh.config.SatelliteConfig: satellite " +
                     std::to_string(c.identity().satellite()) + " of " + topology;
  if (!c.security().secret_key().empty() || !c.security().signing_seed().empty())
    head += "; holds its secret keys, keep it private";
  std::string body;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(c, &body);
  return head + "\n" + body;
}

mesh::Result<config::SatelliteConfig> parse_text(std::string_view text,
                                                 std::string_view source_name) {
  config::SatelliteConfig c;
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &c)) return errors.error(source_name);
  return c;
}

mesh::Result<config::SatelliteConfig> parse_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return mesh::fail("", "cannot read: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    return mesh::fail("",
                      dir ? "is a directory, not a configuration file" : "is not a regular file");
  }
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const std::string why = errno_text();
      ::close(fd);
      return mesh::fail("", "cannot read: " + why);
    }
    if (r == 0) break;
    text.append(buf, static_cast<std::size_t>(r));
    if (text.size() > kMaxFileBytes) {
      ::close(fd);
      return mesh::fail("", "larger than " + std::to_string(kMaxFileBytes >> 20) +
                                " MiB: not a satellite configuration");
    }
  }
  ::close(fd);
  return parse_text(text, "");
}

mesh::Result<config::SatelliteConfig> load(const std::string& path) {
  auto c = parse_file(path);
  if (!c) return c.error();
  const std::vector<mesh::Error> problems = validate(*c);
  if (!problems.empty()) return problems.front();
  return c;
}

mesh::Result<std::size_t> write_all(const std::vector<config::SatelliteConfig>& configs,
                                    const std::string& out_dir, const SigningKeyPair* ground) {
  if (out_dir.empty()) return mesh::fail("", "no output directory given");
  const fs::path dir(out_dir);
  std::set<long> ids;
  bool any_keys = ground != nullptr;
  for (const config::SatelliteConfig& c : configs) {
    const int id = c.identity().satellite();
    if (id < 0 || !ids.insert(id).second)
      return mesh::fail("identity.satellite",
                        "two configurations (or a negative id) would "
                        "share the file sat-" +
                            std::to_string(id) + ".conf");
    any_keys = any_keys || !c.security().secret_key().empty();
  }

  // Everything that can be refused is refused before the first byte is written.
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    return mesh::fail(out_dir, "exists and is not a directory");
  if (fs::is_directory(st)) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      const long id = conf_file_id(e.path().filename().string());
      if (id >= 0 && ids.count(id) == 0)
        return mesh::fail(e.path().string(),
                          "belongs to no satellite of this constellation (" +
                              std::to_string(configs.size()) +
                              " satellites); a launcher globbing sat-*.conf would start it. "
                              "Remove it or use an empty directory");
    }
    if (ec) return mesh::fail(out_dir, "cannot list: " + ec.message());
  }
  fs::create_directories(dir, ec);
  if (ec) return mesh::fail(out_dir, "cannot create: " + ec.message());
  const fs::path key_dir = dir / "keys";
  if (any_keys) {
    fs::create_directories(key_dir, ec);
    if (ec) return mesh::fail(key_dir.string(), "cannot create: " + ec.message());
    fs::permissions(key_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return mesh::fail(key_dir.string(), "cannot set its mode: " + ec.message());
  }

  for (const config::SatelliteConfig& c : configs) {
    const std::string stem = "sat-" + std::to_string(c.identity().satellite());
    // A configuration holds the satellite's secret key, so it is as private as the key file.
    if (auto e = write_file(dir / (stem + ".conf"), to_text(c), 0600)) return *e;
    if (c.security().secret_key().empty()) continue;
    if (auto e = write_file(key_dir / (stem + ".key"), c.security().secret_key() + "\n", 0600))
      return *e;
    if (auto e = write_file(key_dir / (stem + ".pub"), c.security().public_key() + "\n", 0644))
      return *e;
  }
  // The ground's secret certifies satellites' keys: it stays with the ground (here), never in
  // a satellite's configuration.
  if (ground) {
    if (auto e = write_file(key_dir / "ground.key", detail::z85_encode(ground->seed) + "\n", 0600)) return *e;
    if (auto e = write_file(key_dir / "ground.pub", detail::z85_encode(ground->public_key) + "\n", 0644))
      return *e;
  }
  return configs.size();
}

}  // namespace leomesh::firmware_config
