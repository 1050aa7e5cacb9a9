// Errors as values, shared by every leomesh module.
//
// mesh/ and scheduler/ never throw on bad input: they return a Result<T> holding either the
// value or an Error that names the offending parameter and the reason. The CLI turns an Error
// into the one line "leomesh: <parameter>: <reason>" and exit code 2.
//
//   Result<Topology> t = parse_topology("torus:4x4");
//   if (!t) { std::cerr << t.error().message() << "\n"; return 2; }
//   use(*t);
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace leomesh::mesh {

/// What went wrong with an input: which parameter, and why.
struct Error {
  std::string parameter;  ///< e.g. "--topology", "altitude", "config.neighbors[2]"
  std::string reason;     ///< e.g. "must be between 160 and 2000 km, got 90"

  /// "parameter: reason", ready for one line on stderr.
  std::string message() const { return parameter.empty() ? reason : parameter + ": " + reason; }
};

/// Either a T or an Error. Cheap to move; check with operator bool before dereferencing.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}     // NOLINT: implicit by design

  explicit operator bool() const { return v_.index() == 0; }
  bool ok() const { return v_.index() == 0; }

  T& operator*() { assert(ok()); return std::get<0>(v_); }
  const T& operator*() const { assert(ok()); return std::get<0>(v_); }
  T* operator->() { assert(ok()); return &std::get<0>(v_); }
  const T* operator->() const { assert(ok()); return &std::get<0>(v_); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// Shorthand for building an Error.
inline Error fail(std::string parameter, std::string reason) {
  return Error{std::move(parameter), std::move(reason)};
}

}  // namespace leomesh::mesh
