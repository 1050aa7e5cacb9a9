#include "leomesh/mesh/walker.hpp"

#include <algorithm>
#include <cmath>

namespace leomesh::mesh {

Walker::Walker(const WalkerParams& params)
    : params_(params), radius_km_(kEarthRadiusKm + params.altitude_km) {
  period_s_ = 2.0 * kPi * std::sqrt(radius_km_ * radius_km_ * radius_km_ / kEarthMuKm3PerS2);
  mean_motion_rad_s_ = 2.0 * kPi / period_s_;
}

Eigen::Vector3d Walker::position(int id, double t_s) const {
  const int plane = id / params_.per_plane;
  const int slot = id % params_.per_plane;
  const double raan_span = params_.kind == WalkerKind::delta ? 2.0 * kPi : kPi;
  const double raan = raan_span * plane / params_.planes;
  // Walker i:T/P/F: plane p is phased by F * p * 360 / T degrees, T = P * S.
  const double total = static_cast<double>(params_.planes) * params_.per_plane;
  const double u = 2.0 * kPi * slot / params_.per_plane +
                   2.0 * kPi * params_.phasing * plane / total + mean_motion_rad_s_ * t_s;
  const double inc = deg_to_rad(params_.inclination_deg);
  const double cu = std::cos(u), su = std::sin(u);
  const double co = std::cos(raan), so = std::sin(raan);
  const double ci = std::cos(inc), si = std::sin(inc);
  return radius_km_ * Eigen::Vector3d(co * cu - so * su * ci, so * cu + co * su * ci, su * si);
}

double Walker::latitude_deg(const Eigen::Vector3d& r) { return rad_to_deg(std::asin(r.z() / r.norm())); }

double Walker::longitude_deg(const Eigen::Vector3d& r, double t_s) {
  double lon = rad_to_deg(std::atan2(r.y(), r.x()) - kEarthRotationRadPerS * t_s);
  lon = std::fmod(lon + 180.0, 360.0);
  return (lon < 0 ? lon + 360.0 : lon) - 180.0;
}

bool line_of_sight(const Eigen::Vector3d& a, const Eigen::Vector3d& b, double min_radius_km) {
  // Closest point of the segment a + s (b - a), s in [0, 1], to the Earth's centre.
  const Eigen::Vector3d d = b - a;
  const double len2 = d.squaredNorm();
  double s = len2 > 0 ? -a.dot(d) / len2 : 0.0;
  s = std::clamp(s, 0.0, 1.0);
  return (a + s * d).norm() > min_radius_km;
}

}  // namespace leomesh::mesh
