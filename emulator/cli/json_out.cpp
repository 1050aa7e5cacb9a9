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

void check_writable(const std::string& path) {
  if (path.empty() || path == "-") return;
  std::ofstream out(path, std::ios::app);
  if (!out) throw UsageError("--json: cannot write '" + path + "'");
}

}  // namespace leomesh::cli
