// How long a frame takes to cross one ISL hop.
#pragma once

#include <cstddef>
#include <string>

namespace leomesh::mesh {

/// The latency model of every link in a topology.
///
/// - geometric: propagation over the link's current length at c (constellations only);
/// - uniform:   the same fixed latency on every link (e.g. the paper's emulated mesh);
/// - none:      no injected delay (HPC-cluster mode): frames go out as the network carries
///              them, without serialisation delay; only `processing_delay_s` if set.
/// Every hop also costs `processing_delay_s`, and (but for none) a frame of B bytes adds
/// B * 8 / rate of serialisation on each hop it crosses.
struct LinkModel {
  enum class Kind { geometric, uniform, none };
  Kind kind = Kind::none;
  double uniform_latency_s = 0.0;   ///< only for Kind::uniform
  double processing_delay_s = 0.0;  ///< per hop, any kind
  double data_rate_bps = 100e9;     ///< real laser ISLs run at ~100 Gbit/s

  /// One-way latency of a hop whose ends are `length_km` apart, before serialisation.
  double hop_latency_s(double length_km) const;
  /// Time to put `bytes` on the wire at this model's data rate; none injects no delay at all.
  double serialisation_s(std::size_t bytes) const {
    return kind == Kind::none ? 0.0 : static_cast<double>(bytes) * 8.0 / data_rate_bps;
  }
  /// Canonical text form, parseable by parse_link_model().
  std::string to_string() const;
};

}  // namespace leomesh::mesh
