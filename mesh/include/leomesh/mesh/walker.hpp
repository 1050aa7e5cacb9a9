// Walker constellations: circular orbits, evenly spaced planes and slots, positions at time t.
#pragma once

#include <Eigen/Core>

#include "leomesh/mesh/constants.hpp"

namespace leomesh::mesh {

/// Walker delta spreads the ascending nodes over 360 deg (first and last plane co-rotate and
/// are linked, a torus); Walker star spreads them over 180 deg (first and last plane
/// counter-rotate: the seam, never linked).
enum class WalkerKind { delta, star };

/// The parameters that define one shell. Plain data, copied once into a Walker.
struct WalkerParams {
  WalkerKind kind = WalkerKind::delta;
  int planes = 1;                  ///< P
  int per_plane = 1;               ///< S, satellites per plane
  int phasing = 0;                 ///< Walker F in 0..P-1: slot offset between adjacent planes
  double altitude_km = 550.0;      ///< 160..2000
  double inclination_deg = 53.0;   ///< 0..180
  /// Cross-plane links are off while either end is above this |latitude| (deg). 90 = never.
  double cross_plane_cutoff_deg = 90.0;
  double atmosphere_km = kDefaultAtmosphereKm;  ///< a link must clear Earth plus this
  double max_range_km = kDefaultMaxRangeKm;     ///< a link longer than this is down
};

/// Satellite positions of a Walker shell in an Earth-centred inertial frame.
///
/// Satellite id = plane * per_plane + slot. Orbits are circular, so the in-plane spacing is
/// constant and only the cross-plane geometry changes with time.
///
///   Walker w(WalkerParams{WalkerKind::delta, 72, 22, 1, 550, 53});
///   Eigen::Vector3d r = w.position(0, 1.5);   // km, at t = 1.5 s
class Walker {
 public:
  explicit Walker(const WalkerParams& params);

  const WalkerParams& params() const { return params_; }
  int satellites() const { return params_.planes * params_.per_plane; }
  /// Orbit radius: Earth radius plus altitude (km).
  double radius_km() const { return radius_km_; }
  /// Orbital period (s).
  double period_s() const { return period_s_; }

  /// ECI position (km) of satellite `id` at time `t_s` seconds after epoch.
  Eigen::Vector3d position(int id, double t_s) const;
  /// Geocentric latitude (deg) of a position.
  static double latitude_deg(const Eigen::Vector3d& r);
  /// Longitude (deg, -180..180) of the ground point under a position at `t_s` seconds after
  /// epoch, with the Earth turning beneath the orbits (Greenwich on the ECI x axis at epoch).
  static double longitude_deg(const Eigen::Vector3d& r, double t_s);

 private:
  WalkerParams params_;
  double radius_km_;
  double period_s_;
  double mean_motion_rad_s_;
};

/// True while the straight segment between two positions stays above Earth + atmosphere.
bool line_of_sight(const Eigen::Vector3d& a, const Eigen::Vector3d& b, double min_radius_km);

}  // namespace leomesh::mesh
