#include "leomesh/mesh/spec.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace leomesh::mesh {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// "RxC" with two positive whole numbers.
Result<std::pair<long long, long long>> parse_dims(std::string_view text, const std::string& what) {
  const auto x = text.find('x');
  if (x == std::string_view::npos)
    return fail(what, "expected RxC (e.g. 4x4), got '" + std::string(text) + "'");
  auto r = parse_integer(text.substr(0, x), what + " rows");
  if (!r) return r.error();
  auto c = parse_integer(text.substr(x + 1), what + " columns");
  if (!c) return c.error();
  if (*r < 1 || *c < 1)
    return fail(what, "sizes must be at least 1, got " + std::string(text));
  return std::make_pair(*r, *c);
}

Result<int> checked_size(long long n, const std::string& what, long long limit) {
  if (n > limit)
    return fail(what, "too large to hold: " + std::to_string(n) + " satellites, the limit is " +
                          std::to_string(limit));
  return static_cast<int>(n);
}

Result<WalkerParams> validate(WalkerParams p) {
  if (p.planes < 1) return fail("planes", "must be at least 1, got " + std::to_string(p.planes));
  if (p.per_plane < 1)
    return fail("satellites per plane", "must be at least 1, got " + std::to_string(p.per_plane));
  if (static_cast<long long>(p.planes) * p.per_plane > kMaxSatellites)
    return fail("constellation", "too large to hold: " + std::to_string(p.planes * p.per_plane) +
                                     " satellites, the limit is " + std::to_string(kMaxSatellites));
  if (p.phasing < 0 || p.phasing >= p.planes)
    return fail("phase", "Walker F must be within 0.." + std::to_string(p.planes - 1) + ", got " +
                             std::to_string(p.phasing));
  if (!(p.altitude_km >= 160.0 && p.altitude_km <= 2000.0))
    return fail("altitude", "must be within 160..2000 km, got " + fmt(p.altitude_km));
  if (!(p.inclination_deg >= 0.0 && p.inclination_deg <= 180.0))
    return fail("inclination", "must be within 0..180 deg, got " + fmt(p.inclination_deg));
  if (!(p.cross_plane_cutoff_deg > 0.0 && p.cross_plane_cutoff_deg <= 90.0))
    return fail("cutoff", "must be within 0..90 deg, got " + fmt(p.cross_plane_cutoff_deg));
  if (!(p.atmosphere_km >= 0.0 && p.atmosphere_km < p.altitude_km))
    return fail("atm", "must be within 0 and the altitude, got " + fmt(p.atmosphere_km));
  if (!(p.max_range_km > 0.0)) return fail("range", "must be positive, got " + fmt(p.max_range_km));
  return p;
}

WalkerParams preset_params(WalkerKind kind, int planes, int per_plane, int phasing, double alt,
                           double inc) {
  WalkerParams p;
  p.kind = kind;
  p.planes = planes;
  p.per_plane = per_plane;
  p.phasing = phasing;
  p.altitude_km = alt;
  p.inclination_deg = inc;
  p.cross_plane_cutoff_deg = kind == WalkerKind::star ? kDefaultPolarCutoffDeg : 90.0;
  return p;
}

// The shells of BACKGROUND.md's table (public filings, as used by Hypatia and StarPerf).
std::optional<WalkerParams> preset(const std::string& name) {
  if (name == "starlink-s1") return preset_params(WalkerKind::delta, 72, 22, 1, 550, 53.0);
  if (name == "kuiper-k1") return preset_params(WalkerKind::delta, 34, 34, 1, 630, 51.9);
  if (name == "telesat-t1") return preset_params(WalkerKind::star, 27, 13, 0, 1015, 98.98);
  if (name == "oneweb") return preset_params(WalkerKind::star, 12, 49, 0, 1200, 87.9);
  if (name == "iridium") return preset_params(WalkerKind::star, 6, 11, 0, 780, 86.4);
  return std::nullopt;
}

Result<TopologySpec> parse_walker(WalkerKind kind, std::string_view body, std::string name) {
  const std::string what = "--topology";
  const auto comma = body.find(',');
  auto dims = parse_dims(body.substr(0, comma), what);
  if (!dims) return dims.error();
  if (dims->first > kMaxSatellites || dims->second > kMaxSatellites)
    return fail(what, "too large to hold: " + std::string(body.substr(0, comma)) + " is more than the limit of " +
                          std::to_string(kMaxSatellites) + " satellites");
  WalkerParams p = preset_params(kind, 0, 0, 0, 0, 0);
  p.planes = static_cast<int>(dims->first);
  p.per_plane = static_cast<int>(dims->second);
  bool have_alt = false, have_inc = false;
  if (comma != std::string_view::npos) {
    auto kv = parse_key_values(body.substr(comma + 1), what);
    if (!kv) return kv.error();
    double phase = 0.0;
    const std::pair<const char*, double*> fields[] = {
        {"alt", &p.altitude_km},     {"inc", &p.inclination_deg}, {"phase", &phase},
        {"cutoff", &p.cross_plane_cutoff_deg}, {"range", &p.max_range_km}, {"atm", &p.atmosphere_km}};
    for (const auto& [key, value] : *kv) {
      const auto* field = std::find_if(std::begin(fields), std::end(fields),
                                       [&key = key](const auto& f) { return key == f.first; });
      if (field == std::end(fields))
        return fail(what, "unknown Walker parameter '" + key +
                              "' (known: alt, inc, phase, cutoff, range, atm)");
      auto num = parse_number(value, key);
      if (!num) return num.error();
      *field->second = *num;
      have_alt |= key == "alt";
      have_inc |= key == "inc";
    }
    if (phase != std::floor(phase)) return fail("phase", "must be a whole number, got " + fmt(phase));
    if (phase < 0 || phase >= p.planes)
      return fail("phase", "Walker F must be within 0.." + std::to_string(p.planes - 1) + ", got " +
                              format_number(phase));
    p.phasing = static_cast<int>(phase);
  }
  if (!have_alt) return fail("altitude", "missing: add alt=<km> to " + name);
  if (!have_inc) return fail("inclination", "missing: add inc=<deg> to " + name);
  auto valid = validate(p);
  if (!valid) return valid.error();
  TopologySpec spec;
  spec.kind = TopologySpec::Kind::walker;
  spec.name = std::move(name);
  spec.walker = *valid;
  spec.rows = p.planes;
  spec.cols = p.per_plane;
  return spec;
}

}  // namespace

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"starlink-s1", "kuiper-k1", "telesat-t1",
                                                 "oneweb", "iridium"};
  return names;
}

Result<double> parse_number(std::string_view text, const std::string& parameter) {
  const std::string s(text);
  if (s.empty()) return fail(parameter, "expected a number, got nothing");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    return fail(parameter, "expected a number, got '" + s + "'");
  return v;
}

std::string format_number(double v) {
  char buf[40];
  // Whole numbers as people write them ("3600", not "3.6e+03"), up to where doubles stay exact.
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

Result<long long> parse_integer(std::string_view text, const std::string& parameter) {
  const std::string s(text);
  if (s.empty()) return fail(parameter, "expected a whole number, got nothing");
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size()) return fail(parameter, "expected a whole number, got '" + s + "'");
  if (errno == ERANGE) return fail(parameter, "number out of range: '" + s + "'");
  return v;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    std::string_view text, const std::string& parameter) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return fail(parameter, "expected key=value, got '" + std::string(item) + "'");
    out.emplace_back(lower(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    start = end + 1;
  }
  return out;
}

Result<double> parse_duration_s(std::string_view text, const std::string& parameter) {
  static const std::pair<const char*, double> units[] = {
      {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}};
  for (const auto& [suffix, scale] : units) {
    const std::string_view sfx(suffix);
    if (text.size() > sfx.size() && text.substr(text.size() - sfx.size()) == sfx) {
      auto v = parse_number(text.substr(0, text.size() - sfx.size()), parameter);
      if (!v) return v.error();
      if (*v < 0) return fail(parameter, "a duration cannot be negative, got '" + std::string(text) + "'");
      return *v * scale;
    }
  }
  return fail(parameter, "expected a duration with a unit (ns, us, ms, s), got '" +
                             std::string(text) + "'");
}

Result<LinkModel> parse_link_model(std::string_view text) {
  const std::string what = "--links";
  const auto comma = text.find(',');
  const std::string head = lower(text.substr(0, comma));
  LinkModel m;
  if (head == "geometric") {
    m.kind = LinkModel::Kind::geometric;
  } else if (head == "none") {
    m.kind = LinkModel::Kind::none;
  } else if (head.rfind("uniform:", 0) == 0) {
    m.kind = LinkModel::Kind::uniform;
    auto d = parse_duration_s(head.substr(8), what);
    if (!d) return d.error();
    m.uniform_latency_s = *d;
  } else {
    return fail(what, "expected geometric, uniform:<latency> or none, got '" + head + "'");
  }
  if (comma == std::string_view::npos) return m;
  auto kv = parse_key_values(text.substr(comma + 1), what);
  if (!kv) return kv.error();
  for (const auto& [key, value] : *kv) {
    if (key == "proc") {
      auto d = parse_duration_s(value, what + " proc");
      if (!d) return d.error();
      m.processing_delay_s = *d;
    } else if (key == "rate") {
      static const std::pair<const char*, double> units[] = {
          {"gbps", 1e9}, {"mbps", 1e6}, {"kbps", 1e3}, {"bps", 1.0}};
      const std::string v = lower(value);
      bool parsed = false;
      for (const auto& [suffix, scale] : units) {
        const std::string sfx(suffix);
        if (v.size() > sfx.size() && v.compare(v.size() - sfx.size(), sfx.size(), sfx) == 0) {
          auto r = parse_number(std::string_view(v).substr(0, v.size() - sfx.size()), what + " rate");
          if (!r) return r.error();
          if (*r <= 0) return fail(what + " rate", "must be positive, got '" + value + "'");
          m.data_rate_bps = *r * scale;
          parsed = true;
          break;
        }
      }
      if (!parsed)
        return fail(what + " rate", "expected a rate like 10Gbps or 500Mbps, got '" + value + "'");
    } else {
      return fail(what, "unknown link parameter '" + key + "' (known: proc, rate)");
    }
  }
  return m;
}

std::string LinkModel::to_string() const {
  std::ostringstream os;
  switch (kind) {
    case Kind::geometric: os << "geometric"; break;
    case Kind::none: os << "none"; break;
    case Kind::uniform: os << "uniform:" << uniform_latency_s * 1e3 << "ms"; break;
  }
  if (processing_delay_s > 0) os << ",proc=" << processing_delay_s * 1e6 << "us";
  if (data_rate_bps != 100e9) os << ",rate=" << data_rate_bps / 1e9 << "Gbps";
  return os.str();
}

Result<TopologySpec> parse_topology(std::string_view text) {
  const std::string what = "--topology";
  const std::string name = lower(text);
  if (name.empty()) return fail(what, "empty; expected a preset, walker-delta:..., mesh:RxC, torus:RxC or full:N");
  if (auto p = preset(name)) {
    TopologySpec spec;
    spec.kind = TopologySpec::Kind::walker;
    spec.name = name;
    spec.walker = *p;
    spec.rows = p->planes;
    spec.cols = p->per_plane;
    return spec;
  }
  const auto colon = name.find(':');
  const std::string kind = name.substr(0, colon);
  const std::string body = colon == std::string::npos ? "" : name.substr(colon + 1);
  if (kind == "walker-delta" || kind == "walker-star") {
    if (body.empty()) return fail(what, kind + " needs parameters, e.g. " + kind + ":72x22,alt=550,inc=53");
    return parse_walker(kind == "walker-delta" ? WalkerKind::delta : WalkerKind::star, body, name);
  }
  if (kind == "mesh" || kind == "torus") {
    if (body.empty()) return fail(what, kind + " needs its size, e.g. " + kind + ":4x4");
    auto dims = parse_dims(body, what);
    if (!dims) return dims.error();
    // Either side alone beyond the limit: the product could overflow, so say it in words.
    if (dims->first > kMaxSatellites || dims->second > kMaxSatellites)
      return fail(what, "too large to hold: " + body + " is more than the limit of " +
                            std::to_string(kMaxSatellites) + " satellites");
    auto size = checked_size(dims->first * dims->second, what, kMaxSatellites);
    if (!size) return size.error();
    TopologySpec spec;
    spec.kind = kind == "mesh" ? TopologySpec::Kind::mesh : TopologySpec::Kind::torus;
    spec.name = name;
    spec.rows = static_cast<int>(dims->first);
    spec.cols = static_cast<int>(dims->second);
    return spec;
  }
  if (kind == "full") {
    auto n = parse_integer(body, what + " full:N");
    if (!n) return n.error();
    if (*n < 1) return fail(what, "full:N needs N >= 1, got " + body);
    auto size = checked_size(*n, what, kMaxFullSatellites);
    if (!size) return size.error();
    TopologySpec spec;
    spec.kind = TopologySpec::Kind::full;
    spec.name = name;
    spec.rows = 1;
    spec.cols = *size;
    return spec;
  }
  std::string presets;
  for (const auto& p : preset_names()) presets += (presets.empty() ? "" : ", ") + p;
  return fail(what, "unknown topology '" + std::string(text) + "' (presets: " + presets +
                        "; or walker-delta:..., walker-star:..., mesh:RxC, torus:RxC, full:N)");
}

Result<Topology> build_topology(std::string_view topology, std::string_view links) {
  auto spec = parse_topology(topology);
  if (!spec) return spec.error();
  if (links.empty()) return Topology::build(*spec, spec->default_links());
  auto model = parse_link_model(links);
  if (!model) return model.error();
  return Topology::build(*spec, *model);
}

}  // namespace leomesh::mesh
