#include "core_script.hpp"

#include <type_traits>

namespace leomesh::fuzz {
namespace {

// Little endian, whatever the host: corpus files must mean the same on every machine.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  template <class T>
  void operator()(T& value) {
    static_assert(std::is_unsigned_v<T>);
    value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i, ++at_)
      if (at_ < size_) value |= static_cast<T>(static_cast<T>(data_[at_]) << (8 * i));
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

class Writer {
 public:
  template <class T>
  void operator()(T& value) {
    static_assert(std::is_unsigned_v<T>);
    for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>(value >> (8 * i) & 0xff));
  }
  std::string out;
};

}  // namespace

Script read_script(const std::uint8_t* data, std::size_t size) {
  Reader r(data, size);
  Script s;
  r(s.scenario);
  while (!r.done()) {
    Step step;
    visit(r, step);
    s.steps.push_back(step);
  }
  return s;
}

std::string write_script(const Script& script) {
  Writer w;
  std::uint8_t scenario = script.scenario;
  w(scenario);
  for (Step step : script.steps) visit(w, step);
  return w.out;
}

}  // namespace leomesh::fuzz
