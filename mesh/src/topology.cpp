#include "leomesh/mesh/topology.hpp"

#include <algorithm>
#include <cmath>

namespace leomesh::mesh {

LinkModel TopologySpec::default_links() const {
  LinkModel m;
  m.kind = kind == Kind::walker ? LinkModel::Kind::geometric : LinkModel::Kind::none;
  return m;
}

double LinkModel::hop_latency_s(double length_km) const {
  switch (kind) {
    case Kind::geometric: return length_km / kSpeedOfLightKmPerS + processing_delay_s;
    case Kind::uniform: return uniform_latency_s + processing_delay_s;
    case Kind::none: return processing_delay_s;
  }
  return processing_delay_s;
}

Topology::Topology(TopologySpec spec, LinkModel links)
    : spec_(std::move(spec)), links_(links), n_(spec_.satellites()) {}

Result<Topology> Topology::build(const TopologySpec& spec, const LinkModel& links) {
  if (spec.kind != TopologySpec::Kind::walker && links.kind == LinkModel::Kind::geometric) {
    return fail("--links", "geometric latency needs a constellation topology (" + spec.name +
                               " is abstract); use uniform:<latency> or none");
  }
  Topology t(spec, links);
  const int rows = spec.kind == TopologySpec::Kind::walker ? spec.walker.planes : spec.rows;
  const int cols = spec.kind == TopologySpec::Kind::walker ? spec.walker.per_plane : spec.cols;
  auto id = [cols](int r, int c) { return r * cols + c; };
  switch (spec.kind) {
    case TopologySpec::Kind::walker:
    case TopologySpec::Kind::torus:
    case TopologySpec::Kind::mesh: {
      const bool walker = spec.kind == TopologySpec::Kind::walker;
      // A Walker delta shell is a torus across planes; a star shell is open at the seam
      // between its last and first plane, which counter-rotate.
      // A ring of one or two has no wrap link of its own (it would be a self-loop or a
      // second copy of the direct link).
      const bool wrap_rows = rows > 2 && (spec.kind == TopologySpec::Kind::torus ||
                                          (walker && spec.walker.kind == WalkerKind::delta));
      const bool wrap_cols = cols > 2 && spec.kind != TopologySpec::Kind::mesh;  // orbits are rings
      const Link::Kind along = walker ? Link::Kind::intra_plane : Link::Kind::abstract;
      const Link::Kind across = walker ? Link::Kind::inter_plane : Link::Kind::abstract;
      for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
          if (c + 1 < cols || wrap_cols) t.add_link(id(r, c), id(r, (c + 1) % cols), along);
          if (r + 1 < rows) {
            t.add_link(id(r, c), id(r + 1, c), across);
          } else if (wrap_rows) {
            // Walker phasing shifts each plane by F/T of a revolution, so after P planes the
            // shift is F whole slots: the last plane's slot c sits beside the first plane's
            // slot c + F, exactly as every other pair of adjacent planes sits.
            const int shift = walker ? spec.walker.phasing : 0;
            t.add_link(id(r, c), id(0, (c + shift) % cols), across);
          }
        }
      }
      break;
    }
    case TopologySpec::Kind::full:
      for (int a = 0; a < t.n_; ++a)
        for (int b = a + 1; b < t.n_; ++b) t.add_link(a, b, Link::Kind::abstract);
      break;
  }
  t.finish_adjacency();
  if (spec.kind == TopologySpec::Kind::walker) t.walker_.emplace(spec.walker);
  t.positions_.assign(static_cast<std::size_t>(t.n_), Eigen::Vector3d::Zero());
  t.states_.assign(t.links_list_.size(), LinkState{});
  t.forced_down_.assign(t.links_list_.size(), 0);
  t.update(0.0);
  return t;
}

void Topology::add_link(int a, int b, Link::Kind kind) {
  if (a > b) std::swap(a, b);
  links_list_.push_back(Link{a, b, kind});
}

void Topology::finish_adjacency() {
  adj_offset_.assign(static_cast<std::size_t>(n_) + 1, 0);
  for (const Link& l : links_list_) {
    ++adj_offset_[static_cast<std::size_t>(l.a) + 1];
    ++adj_offset_[static_cast<std::size_t>(l.b) + 1];
  }
  for (std::size_t v = 0; v < static_cast<std::size_t>(n_); ++v) adj_offset_[v + 1] += adj_offset_[v];
  adj_.resize(links_list_.size() * 2);
  std::vector<std::int32_t> fill(adj_offset_.begin(), adj_offset_.end() - 1);
  for (std::size_t i = 0; i < links_list_.size(); ++i) {
    const Link& l = links_list_[i];
    adj_[static_cast<std::size_t>(fill[static_cast<std::size_t>(l.a)]++)] = {l.b, static_cast<std::int32_t>(i)};
    adj_[static_cast<std::size_t>(fill[static_cast<std::size_t>(l.b)]++)] = {l.a, static_cast<std::int32_t>(i)};
  }
}

void Topology::update(double t_s) {
  time_s_ = t_s;
  if (!walker_) {
    const double latency = links_.hop_latency_s(0.0);
    for (std::size_t i = 0; i < states_.size(); ++i) states_[i] = LinkState{!forced_down_[i], 0.0, latency};
    return;
  }
  const WalkerParams& p = walker_->params();
  for (int v = 0; v < n_; ++v) positions_[static_cast<std::size_t>(v)] = walker_->position(v, t_s);
  const double min_radius = kEarthRadiusKm + p.atmosphere_km;
  const double sin_cutoff = std::sin(deg_to_rad(p.cross_plane_cutoff_deg));
  for (std::size_t i = 0; i < links_list_.size(); ++i) {
    const Link& l = links_list_[i];
    const Eigen::Vector3d& ra = positions_[static_cast<std::size_t>(l.a)];
    const Eigen::Vector3d& rb = positions_[static_cast<std::size_t>(l.b)];
    const double length = (rb - ra).norm();
    bool active = length <= p.max_range_km && line_of_sight(ra, rb, min_radius);
    if (active && l.kind == Link::Kind::inter_plane && p.cross_plane_cutoff_deg < 90.0) {
      // |lat| > cutoff  <=>  |z| / r > sin(cutoff); every satellite is at the same radius.
      const double limit = sin_cutoff * walker_->radius_km();
      active = std::abs(ra.z()) <= limit && std::abs(rb.z()) <= limit;
    }
    states_[i] = LinkState{active && !forced_down_[i], length, links_.hop_latency_s(length)};
  }
}

void Topology::force_down(int link, bool down) {
  forced_down_[static_cast<std::size_t>(link)] = down ? 1 : 0;
  update(time_s_);
}

int Topology::planes() const {
  return spec_.kind == TopologySpec::Kind::walker ? spec_.walker.planes : spec_.rows;
}

int Topology::per_plane() const {
  return spec_.kind == TopologySpec::Kind::walker ? spec_.walker.per_plane : spec_.cols;
}

int Topology::active_links() const {
  return static_cast<int>(std::count_if(states_.begin(), states_.end(),
                                        [](const LinkState& s) { return s.active; }));
}

std::vector<int> Topology::neighbors(int v) const {
  std::vector<int> out;
  for (const Adjacent& a : adjacency(v))
    if (state(a.link).active) out.push_back(a.neighbor);
  return out;
}

std::optional<int> Topology::link_between(int a, int b) const {
  for (const Adjacent& adj : adjacency(a))
    if (adj.neighbor == b) return adj.link;
  return std::nullopt;
}

Eigen::Vector3d Topology::position(int v) const { return positions_[static_cast<std::size_t>(v)]; }

}  // namespace leomesh::mesh
