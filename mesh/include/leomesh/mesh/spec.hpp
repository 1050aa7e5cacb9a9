// Parsing of the topology and link strings of the command line and configuration files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leomesh/mesh/link_model.hpp"
#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/topology.hpp"

namespace leomesh::mesh {

/// Parses a topology:
/// - a preset: starlink-s1, kuiper-k1, telesat-t1, oneweb, iridium;
/// - walker-delta:PxS,alt=KM,inc=DEG[,phase=F][,cutoff=DEG][,range=KM][,atm=KM], and the
///   same for walker-star (cutoff defaults to 66.5 deg for star, 90 for delta);
/// - mesh:RxC (no wrap), torus:RxC, full:N.
/// Errors name the parameter and the reason, e.g. "altitude: must be within 160..2000 km".
Result<TopologySpec> parse_topology(std::string_view text);

/// Parses a link model: geometric | uniform:<duration> | none, optionally followed by
/// ",proc=<duration>" (per-hop processing) and ",rate=<rate>" (e.g. 10Gbps).
Result<LinkModel> parse_link_model(std::string_view text);

/// Builds the topology named by the user's strings: `topology` as parse_topology reads it,
/// `links` as parse_link_model reads it, or "" for the topology's default link model
/// (geometric for constellations, none for abstract topologies). The one place every
/// command, driver and configuration turns those two strings into a Topology.
///
///   Topology torus = *build_topology("torus:4x4", "uniform:5ms");
///   Topology shell = *build_topology("starlink-s1", "");   // geometric links
Result<Topology> build_topology(std::string_view topology, std::string_view links);

/// Parses a duration with a unit: "5ms", "120us", "0.2s", "800ns".
Result<double> parse_duration_s(std::string_view text, const std::string& parameter);

/// Names of the constellation presets, in a stable order.
const std::vector<std::string>& preset_names();

/// Splits "k1=v1,k2=v2" into pairs; fails on an empty key or a missing '='.
Result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    std::string_view text, const std::string& parameter);

/// Parses a finite decimal number, naming `parameter` in the error.
Result<double> parse_number(std::string_view text, const std::string& parameter);
/// Parses a whole number, naming `parameter` in the error.
Result<long long> parse_integer(std::string_view text, const std::string& parameter);
/// The shortest decimal text that reads back as the same double ("0.5", "2e-05", "inf"), for
/// error messages that quote a value.
std::string format_number(double v);

}  // namespace leomesh::mesh
