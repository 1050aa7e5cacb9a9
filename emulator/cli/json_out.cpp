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

}  // namespace leomesh::cli
