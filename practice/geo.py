"""Distances on the earth, for "was the phone at the point when it scanned?"."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine; exact enough for radii of metres to kilometres)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def outside_radius(distance: float, radius_m: float, accuracy_m: float | None) -> bool:
    """Outside only if even the most favourable position within the reported accuracy is outside:
    a basement fix that is merely imprecise is not an accusation."""
    return distance - (accuracy_m or 0.0) > radius_m
