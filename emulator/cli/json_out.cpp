#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli.hpp"

namespace leomesh::cli {

void write_json(const nlohmann::json& j, const std::string& path) {
  if (path == "-") {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::ofstream out(path);
  if (!out) throw UsageError("--json: cannot write '" + path + "'");
  out << j.dump(2) << "\n";
}

void check_writable(const std::string& path, const std::string& flag) {
  if (path.empty() || path == "-") return;
  // Checked without creating the file: a run refused later must not leave an empty one.
  std::error_code ec;
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) throw UsageError(flag + ": '" + path + "' is a directory");
  if (std::filesystem::exists(p, ec)) {
    if (::access(path.c_str(), W_OK) != 0) throw UsageError(flag + ": cannot write '" + path + "'");
    return;
  }
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0)
    throw UsageError(flag + ": cannot create '" + path + "' (no writable directory " + dir.string() + ")");
}

}  // namespace leomesh::cli
