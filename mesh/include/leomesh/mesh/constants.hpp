// Physical constants shared by the geometry, the link model and the analytical model.
#pragma once

namespace leomesh::mesh {

/// Equatorial Earth radius used by Hypatia and StarPerf (km).
inline constexpr double kEarthRadiusKm = 6378.135;
inline constexpr double kEarthRotationRadPerS = 7.2921159e-5;  ///< sidereal rotation rate
/// Standard gravitational parameter of the Earth (km^3 / s^2), for orbital periods.
inline constexpr double kEarthMuKm3PerS2 = 398600.4418;
/// Propagation speed of an optical ISL: the speed of light in vacuum (km / s).
inline constexpr double kSpeedOfLightKmPerS = 299792.458;
/// Atmosphere that a line of sight must clear above the surface (km).
inline constexpr double kDefaultAtmosphereKm = 80.0;
/// Cross-plane links of polar shells switch off above this latitude (OpenSN's value, deg).
inline constexpr double kDefaultPolarCutoffDeg = 66.5;
/// Longest ISL a terminal can hold by default (km); every preset's links are shorter.
inline constexpr double kDefaultMaxRangeKm = 5000.0;
/// Largest constellation or abstract topology leomesh holds (satellites).
inline constexpr int kMaxSatellites = 8192;
/// Largest fully connected topology (its link count grows as N^2).
inline constexpr int kMaxFullSatellites = 2048;

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double deg_to_rad(double deg) { return deg * kPi / 180.0; }
inline constexpr double rad_to_deg(double rad) { return rad * 180.0 / kPi; }

}  // namespace leomesh::mesh
