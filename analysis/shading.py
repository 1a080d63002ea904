"""Shading of roof planes by neighbouring buildings: horizon profiles, sky-view factor and a
per-place sun-path histogram that turns each plane's horizon into a shading loss.

The method keeps the cost linear in roof planes and independent of the hours of the year:

1. **Horizon profile** (:func:`horizon_profiles`). For every plane's representative point
   (x, y, z) the horizon elevation is found in ``n_sectors`` equal azimuth sectors (sector *k*
   is centred on *k* · 360/n degrees, clockwise from true north) from every neighbouring
   footprint within ``radius_m``, each an extruded prism (LOD1 block) of its height. Footprint
   edges that face the point are intersected exactly with each sector's wedge: along an edge
   seen from P the distance is ``d_perp / cos(angle from the perpendicular foot)``, so the
   highest elevation inside a sector has a closed form. Edges facing away are skipped (a ray
   enters a prism through an edge that faces it, so they are never the nearest). Horizon
   elevations below ``min_elevation_deg`` are set to zero (they hide a negligible share of
   beam and diffuse irradiance; the pruning of far neighbours uses the same threshold).
   Shapely's STRtree finds the neighbours; everything after it is numpy over (point,
   neighbour, edge, sector) items in bounded chunks.
2. **Sun-path histogram** (:func:`sun_path_histogram`). For each (tilt, azimuth) bin of the
   place's orientation grid, the hourly beam plane-of-array irradiance (beam plus Perez
   circumsolar, which comes from the sun's direction) is summed into (sun sector × sun
   elevation) bins. A plane's blocked beam is then the sum, over sectors, of the histogram's
   energy below the horizon elevation of that sector (cumulative over elevation, linear within
   a bin), bilinearly interpolated between orientation bins like the yield grid itself.
3. **Diffuse**. The isotropic part is reduced by the plane's sky-view factor
   (:func:`sky_view_factor`): the cosine-weighted share of the sky dome in front of the tilted
   plane that the horizon leaves visible (1 = unobstructed; for a horizontal plane it is the
   classic SVF). The Perez **circumsolar** part is shaded with the beam. The Perez
   **horizon-brightening** band is kept in sectors whose horizon is clear and removed where a
   neighbour rises above it, weighted by how much of each sector the plane faces. Ground-
   reflected irradiance is left unchanged (neighbours' walls reflect about as much as ground).
4. **PV**. Shaded specific yield = unshaded specific yield × (shaded / unshaded annual
   *effective* irradiance, IAM applied to the beam). The PV chain is nearly linear in
   irradiance; the ratio ignores that shaded hours run cooler and that the inverter's part-load
   efficiency differs. :func:`hourly_shaded_irradiance` is the hour-by-hour reference used by
   the tests to bound both errors.

Assumptions (search radius, sector count, minimum elevation) live in the ``shading`` group
of ``analysis/data/assumptions.yml``.

References
----------
.. [1] Perez, R., Ineichen, P., Seals, R., Michalsky, J., Stewart, R. (1990). Modeling
   daylight availability and irradiance components from direct and global irradiance.
   Solar Energy 44(5), 271-289.
.. [2] Lindberg, F., Jonsson, P., Honjo, T., Wästberg, D. (2015). Solar energy on building
   envelopes - 3D modelling in a 2D environment. Solar Energy 115, 369-378 (UMEP SEBE: horizon
   and sky-view factor from building heights).
.. [3] Gagnon, P. et al. (2016). Rooftop Solar Photovoltaic Technical Potential in the United
   States. NREL/TP-6A20-65298 (shading from neighbours by hourly sun position on a DSM).
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib
import scipy.sparse
import shapely

from analysis import solar
from analysis.errors import InputError

#: Items (point × neighbour × edge × sector) processed at once per worker; bounds memory to ~0.2 GB.
MAX_ITEMS = 1_500_000
#: Planes whose horizons are turned into irradiance at once (bounds the lookup's index arrays).
LOOKUP_PLANES = 16_384
#: Worker threads for the horizon kernel (the machine's cores, at most 4).
WORKERS = max(1, min(4, os.cpu_count() or 1))


def sector_of(azimuth_deg, n_sectors: int) -> np.ndarray:
    """Index of the azimuth sector holding each azimuth (sector k is centred on k·360/n).

    Parameters
    ----------
    azimuth_deg : array-like
        Azimuth clockwise from north [°].
    n_sectors : int
        Number of equal sectors.

    Returns
    -------
    numpy.ndarray of int
    """
    width = 360.0 / n_sectors
    return (np.floor((np.asarray(azimuth_deg, dtype=float) + width / 2) / width).astype(np.int64)) % n_sectors


def sector_centres(n_sectors: int) -> np.ndarray:
    """Centre azimuth of each sector [°]."""
    return np.arange(n_sectors) * 360.0 / n_sectors


def grid_north_offset_deg(crs, x: float, y: float) -> float:
    """Bearing of true north in the grid of a projected CRS at (x, y) [°] (meridian convergence).

    A bearing measured on the map (grid azimuth) becomes a true azimuth by subtracting this
    angle. It is 1.5° in central London on the British National Grid.

    Parameters
    ----------
    crs : pyproj.CRS or str
        Projected CRS of the coordinates.
    x, y : float
        A point of the place [m].
    """
    import pyproj

    to_geo = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    x2, y2 = to_grid.transform(lon, lat + 0.001)
    return float(np.degrees(np.arctan2(x2 - x, y2 - y)))


# --------------------------------------------------------------------------------------------
# Horizon profiles from neighbouring buildings
# --------------------------------------------------------------------------------------------

@dataclass
class Shaders:
    """Neighbouring buildings as prisms: their edges (outward normal on the right) and heights."""

    polygons: np.ndarray
    height_m: np.ndarray
    x0: np.ndarray  # edge start [m]
    y0: np.ndarray
    edge_start: np.ndarray  # first edge of each building (CSR), length n + 1
    bounds: np.ndarray
    ex: np.ndarray  # unit edge direction
    ey: np.ndarray
    length: np.ndarray  # edge length [m]
    normal_az: np.ndarray  # grid bearing from a facing point to the edge's line (inward normal) [°]


def _ring_edges(footprints):
    """Edges of every ring: start/end coordinates, building index and whether the ring is an exterior."""
    geoms = np.asarray(footprints)
    simple = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    coords, ring = shapely.get_coordinates(geoms[simple], return_index=True)
    building = np.flatnonzero(simple)[ring]
    exterior = np.ones(len(ring), dtype=bool)
    if (~simple).any():  # holes or multipolygons: split into rings (slower, rare)
        idx = np.flatnonzero(~simple)
        parts, part_of = shapely.get_parts(geoms[idx], return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        first = np.r_[True, ring_of[1:] != ring_of[:-1]]
        c2, r2 = shapely.get_coordinates(rings, return_index=True)
        coords = np.concatenate([coords, c2])
        ring = np.concatenate([ring, r2 + (ring.max() + 1 if ring.size else 0)])
        building = np.concatenate([building, idx[part_of[ring_of[r2]]]])
        exterior = np.concatenate([exterior, first[r2]])
    same = ring[:-1] == ring[1:]
    i = np.flatnonzero(same)
    x0, y0, x1, y1 = coords[i, 0], coords[i, 1], coords[i + 1, 0], coords[i + 1, 1]
    # Shoelace sign per ring (ring numbers are small non-negative integers: bincount over them
    # directly): exteriors must run counter-clockwise, holes clockwise, so the outward normal
    # of every edge is on its right.
    twice_area = np.bincount(ring[i], weights=x0 * y1 - x1 * y0)
    flip = (twice_area[ring[i]] > 0) != exterior[i]
    x0, x1 = np.where(flip, x1, x0), np.where(flip, x0, x1)
    y0, y1 = np.where(flip, y1, y0), np.where(flip, y0, y1)
    building = building[i]
    if np.any(building[1:] < building[:-1]):  # rings split from multipolygons come last: regroup by building
        order = np.argsort(building, kind="stable")
        return x0[order], y0[order], x1[order], y1[order], building[order]
    return x0, y0, x1, y1, building


def prepare_shaders(footprints, height_m) -> Shaders:
    """Index footprints that cast shade: their edges, heights and bounds.

    Parameters
    ----------
    footprints : array of shapely.Polygon or MultiPolygon
        In a projected CRS [m].
    height_m : array-like
        Height of the LOD1 block that casts shade [m] (see :func:`analysis.roofs.shading_height`).
    """
    polys = np.asarray(footprints)
    height_m = np.asarray(height_m, dtype=float)
    if len(height_m) != len(polys):
        raise ValueError("footprints and heights differ in length")
    x0, y0, x1, y1, building = _ring_edges(polys)
    dx, dy = x1 - x0, y1 - y0
    length = np.hypot(dx, dy)
    ok = length > 1e-9
    x0, y0, dx, dy, length, building = x0[ok], y0[ok], dx[ok], dy[ok], length[ok], building[ok]
    edge_start = np.searchsorted(building, np.arange(len(polys) + 1))
    # Outward normal is (dy, -dx): a point the edge faces sees the line in direction (-dy, dx).
    return Shaders(polys, height_m, x0, y0, edge_start, shapely.bounds(polys),
                   (dx / length).astype(np.float32), (dy / length).astype(np.float32), length.astype(np.float32),
                   np.degrees(np.arctan2(-dy, dx)).astype(np.float32))


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items with ``counts`` sub-items: the owning item and the rank within it, per sub-item."""
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - np.repeat(first, counts)


def _horizon_items(px, py, pz, shaders: Shaders, pts, bld, n_sectors, north_offset_deg):
    """(flat index into points × sectors, tangent of the elevation) for candidate (point, building) pairs.

    Works in float32 relative to the point (metre-level coordinates stay exact). For an edge
    that faces the point at perpendicular distance d, the bearing to a point s metres along
    the edge from the foot of the perpendicular is ``normal_az + atan(s / d)`` and its distance
    ``d / cos(atan(s / d))``; the highest elevation inside a sector is where that angle is
    smallest, so it has a closed form per (edge, sector).
    """
    f32 = np.float32
    dh = (shaders.height_m[bld] - pz[pts]).astype(f32)
    counts = shaders.edge_start[bld + 1] - shaders.edge_start[bld]
    pair, rank = _expand(counts)
    edge = shaders.edge_start[bld][pair] + rank
    ax = (shaders.x0[edge] - px[pts][pair]).astype(f32)
    ay = (shaders.y0[edge] - py[pts][pair]).astype(f32)
    ex, ey = shaders.ex[edge], shaders.ey[edge]
    d = ay * ex - ax * ey  # distance to the edge's line, > 0 when the edge faces the point
    s_a = ax * ex + ay * ey  # along-edge position of the start, from the foot of the perpendicular
    del ax, ay, ex, ey
    facing = np.flatnonzero(d > 1e-3)
    if facing.size == 0:
        return np.empty(0, np.int64), np.empty(0, f32)
    pair, edge, d, s_a = pair[facing], edge[facing], d[facing], s_a[facing]
    rel_a = np.degrees(np.arctan(s_a / d))
    rel_b = np.degrees(np.arctan((s_a + shaders.length[edge]) / d))
    lo = (shaders.normal_az[edge] - f32(north_offset_deg) + rel_a) % f32(360.0)
    span = rel_b - rel_a
    width = f32(360.0 / n_sectors)
    lo_shift = lo + width / 2
    k_lo = np.floor(lo_shift / width).astype(np.int64)
    k_hi = np.floor((lo_shift + span) / width).astype(np.int64)
    item, m = _expand(k_hi - k_lo + 1)
    k = k_lo[item] + m
    # Sector starts and sector numbers (mod n) from small tables of k (0 <= k < 2n): no
    # float64 multiply and no integer division per item.
    ks = np.arange(int(k_hi.max()) + 1)
    s0 = (ks * width).astype(f32)[k] - lo_shift[item]
    # Angle from the foot of the perpendicular (at -rel_a from lo) to the nearest part of the
    # edge inside the sector [max(s0, 0), min(s0 + width, span)].
    foot = -rel_a[item]
    off = np.maximum(np.maximum(np.maximum(s0, 0) - foot, foot - np.minimum(s0 + width, span[item])), 0)
    # tan(elevation) = ratio · cos(off); the elevation itself is taken once per (point, sector)
    # after the maximum (arctan is monotonic), not per item.
    ratio = dh[pair] / d
    tan_elev = ratio[item] * np.cos(np.radians(off))
    base = pts[pair].astype(np.int64) * n_sectors
    flat = base[item] + (ks % n_sectors)[k]
    return flat, tan_elev


@dataclass
class _PointGrid:
    """Points sorted into square cells, for box queries without building geometries."""

    x: np.ndarray
    y: np.ndarray
    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    order: np.ndarray  # point indices sorted by cell (row-major: cell = iy * nx + ix)
    start: np.ndarray  # first position in ``order`` of each cell, length nx * ny + 1


def _point_grid(x, y, cell_m: float = 50.0, max_cells: int = 4_000_000) -> _PointGrid:
    """Index points in square cells of ``cell_m`` (coarser if the extent would need more than ``max_cells``)."""
    x0, y0 = float(x.min()), float(y.min())
    extent = max(float(x.max()) - x0, float(y.max()) - y0, 1.0)
    cell = max(cell_m, extent / np.sqrt(max_cells))
    ix = np.floor((x - x0) / cell).astype(np.int64)
    iy = np.floor((y - y0) / cell).astype(np.int64)
    nx, ny = int(ix.max()) + 1, int(iy.max()) + 1
    cid = iy * nx + ix
    order = np.argsort(cid, kind="stable")
    start = np.concatenate([[0], np.cumsum(np.bincount(cid, minlength=nx * ny))])
    return _PointGrid(x, y, x0, y0, cell, nx, ny, order, start)


def _query_boxes(grid: _PointGrid, qx0, qy0, qx1, qy1) -> tuple[np.ndarray, np.ndarray]:
    """(box, point) pairs with the point inside the closed box — what an STRtree of the points
    returns for these boxes, found by cell ranges (one contiguous run of cells per box and row)."""
    cx0 = np.floor((qx0 - grid.x0) / grid.cell)
    cx1 = np.floor((qx1 - grid.x0) / grid.cell)
    cy0 = np.floor((qy0 - grid.y0) / grid.cell)
    cy1 = np.floor((qy1 - grid.y0) / grid.cell)
    valid = (cx1 >= 0) & (cx0 <= grid.nx - 1) & (cy1 >= 0) & (cy0 <= grid.ny - 1)
    cx0, cx1 = np.clip(cx0, 0, grid.nx - 1).astype(np.int64), np.clip(cx1, 0, grid.nx - 1).astype(np.int64)
    cy0, cy1 = np.clip(cy0, 0, grid.ny - 1).astype(np.int64), np.clip(cy1, 0, grid.ny - 1).astype(np.int64)
    box, rank = _expand(np.where(valid, cy1 - cy0 + 1, 0))
    row = cy0[box] + rank
    lo = grid.start[row * grid.nx + cx0[box]]
    hi = grid.start[row * grid.nx + cx1[box] + 1]
    run, rank = _expand(hi - lo)
    box, point = box[run], grid.order[lo[run] + rank]
    px, py = grid.x[point], grid.y[point]
    inside = (px >= qx0[box]) & (px <= qx1[box]) & (py >= qy0[box]) & (py <= qy1[box])
    return box[inside], point[inside]


def _bbox_distance(bounds, x, y):
    """Distance from points to bounding boxes (0 inside) [m]."""
    ddx = np.maximum(np.maximum(bounds[:, 0] - x, x - bounds[:, 2]), 0.0)
    ddy = np.maximum(np.maximum(bounds[:, 1] - y, y - bounds[:, 3]), 0.0)
    return np.hypot(ddx, ddy)


def horizon_profiles(points_xy, points_z, shaders: Shaders, *, n_sectors: int = 36, radius_m: float = 100.0,
                     min_elevation_deg: float = 5.0, exclude=None, north_offset_deg: float = 0.0,
                     candidates=None, groups=None, far_factor: float = 10.0, near_min_m: float = 25.0,
                     progress=None, workers: int | None = None) -> np.ndarray:
    """Horizon elevation per point and azimuth sector from neighbouring LOD1 blocks.

    Each shader searches for the points it can shade: within ``radius_m`` and no farther than
    its height above the lowest point divided by tan(``min_elevation_deg``), so low buildings
    search a few tens of metres and only tall ones the full radius (cost follows the pairs that
    matter, not the radius squared).

    Points of one group (the planes of one building) share the far field: a neighbour farther
    from the group's centre than ``far_factor`` × the group's largest point offset (and at least
    ``near_min_m``) is evaluated once, at the centre and the group's lowest point height; nearer
    neighbours are evaluated for every point. With a 2 m offset and a factor of 10 the distance
    to a far neighbour is off by at most 10 % for a single plane, and about evenly up and down
    for the planes of a roof.

    Parameters
    ----------
    points_xy : array (n, 2)
        Representative points of roof planes in the shaders' CRS [m].
    points_z : array (n,)
        Height of each point above ground [m].
    shaders : Shaders
        From :func:`prepare_shaders` (targets and context buildings together).
    n_sectors : int
        Equal azimuth sectors; sector k is centred on k·360/n_sectors [°].
    radius_m : float
        Neighbours farther than this (footprint bounding-box distance) are ignored [m].
    min_elevation_deg : float
        Elevations below this are set to 0 and neighbours that cannot reach it are pruned [°].
    exclude : array (n,) of int, optional
        Index (in ``shaders``) of each point's own building, which does not shade its own roof
        (LOD1: one height per building); -1 for none. Points of one group share it.
    north_offset_deg : float
        Grid bearing of true north (:func:`grid_north_offset_deg`) [°].
    candidates : array of int, optional
        Indices of the shaders that may be near the points (default: all).
    groups : array (n,) of int, optional
        Group of each point (e.g. its building); default: every point alone (exact).
    far_factor, near_min_m : float
        The far-field rule above [-] and [m].
    progress : callable, optional
        ``progress(done, total)`` after each chunk of shaders (``total`` counts chunks).
    workers : int, optional
        Threads over chunks of shaders (default :data:`WORKERS`; 1 runs in the calling thread).

    Returns
    -------
    numpy.ndarray (n, n_sectors), float32
        Horizon elevation [°]; 0 where no neighbour rises above ``min_elevation_deg``.
    """
    xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    z = np.asarray(points_z, dtype=float)
    n = len(xy)
    if n_sectors < 4 or radius_m <= 0 or not 0 < min_elevation_deg < 90:
        raise InputError(f"need >= 4 sectors, a positive radius and a minimum elevation in (0, 90), got "
                         f"{n_sectors}, {radius_m} and {min_elevation_deg}", fix="check the shading assumptions")
    exclude = np.full(n, -1, dtype=np.int64) if exclude is None else np.asarray(exclude, dtype=np.int64)
    horizon = np.zeros(n * n_sectors, dtype=np.float32)
    if n == 0:
        return horizon.reshape(0, n_sectors)
    tan_min = np.tan(np.radians(min_elevation_deg))
    px, py = xy[:, 0], xy[:, 1]
    # Groups: centre, lowest point, largest offset, members (CSR).
    ginv = np.arange(n) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
    ng = int(ginv.max()) + 1
    count = np.bincount(ginv, minlength=ng)
    gx = np.bincount(ginv, weights=px, minlength=ng) / count
    gy = np.bincount(ginv, weights=py, minlength=ng) / count
    gz = np.full(ng, np.inf)
    np.minimum.at(gz, ginv, z)
    offset = np.zeros(ng)
    np.maximum.at(offset, ginv, np.hypot(px - gx[ginv], py - gy[ginv]))
    gexclude = np.full(ng, -1, dtype=np.int64)
    gexclude[ginv] = exclude
    near = np.maximum(near_min_m, far_factor * offset)
    members = np.argsort(ginv, kind="stable")
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    ghorizon = np.zeros(ng * n_sectors, dtype=np.float32)

    grid = _point_grid(gx, gy)
    # Reach only of the candidates (a mask, not a set intersection over every shader per call).
    active = (np.arange(len(shaders.height_m)) if candidates is None else np.asarray(candidates, dtype=np.int64))
    reach = np.clip((shaders.height_m[active] - gz.min()) / tan_min, 0.0, radius_m)
    active, reach = active[reach > 0], reach[reach > 0]
    # Expected candidate groups per shader ~ density × box area; chunks of ~MAX_ITEMS/8 pairs.
    density = ng / max(float(np.prod(np.ptp(np.column_stack([gx, gy]), axis=0) + 1.0)), 1.0)
    expected = np.cumsum(density * (2 * reach + 20.0) ** 2)
    bounds = np.searchsorted(expected, np.arange(0.0, expected[-1] if len(expected) else 0.0, MAX_ITEMS / 8),
                             side="right") if len(active) else np.empty(0, int)
    cuts = np.unique(np.concatenate([[0], bounds, [len(active)]]))
    chunks = [(active[a:b], reach[a:b]) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]

    def items(x, y, zz, pts, bld):
        # Sub-chunks keep the (pair × edge × sector) expansion bounded.
        cum = np.cumsum(shaders.edge_start[bld + 1] - shaders.edge_start[bld])
        out, lo_i = [], 0
        while lo_i < len(pts):
            hi_i = int(np.searchsorted(cum, (cum[lo_i - 1] if lo_i else 0) + MAX_ITEMS // 4, side="right"))
            hi_i = max(hi_i, lo_i + 1)
            out.append(_horizon_items(x, y, zz, shaders, pts[lo_i:hi_i], bld[lo_i:hi_i], n_sectors, north_offset_deg))
            lo_i = hi_i
        return out

    def task(args):
        chunk, r = args
        b = shaders.bounds[chunk]
        box_i, grp = _query_boxes(grid, b[:, 0] - r, b[:, 1] - r, b[:, 2] + r, b[:, 3] + r)
        bld = chunk[box_i]
        dist = _bbox_distance(shaders.bounds[bld], gx[grp], gy[grp])
        keep = (bld != gexclude[grp]) & (shaders.height_m[bld] - gz[grp] > dist * tan_min) & (dist <= radius_m)
        grp, bld, dist = grp[keep], bld[keep], dist[keep]
        far = dist > near[grp]
        far_items = items(gx, gy, gz, grp[far], bld[far])
        # Near neighbours: every member point of the group.
        grp, bld = grp[~far], bld[~far]
        owner, rank = _expand(count[grp])
        pts, bld = members[first[grp][owner] + rank], bld[owner]
        dist = _bbox_distance(shaders.bounds[bld], px[pts], py[pts])
        keep = (shaders.height_m[bld] - z[pts] > dist * tan_min) & (dist <= radius_m)
        return far_items, items(px, py, z, pts[keep], bld[keep])

    # Worker threads: shapely and numpy release the GIL on large arrays; the maximum is taken
    # in this thread, in chunk order, so the result does not depend on scheduling.
    workers = WORKERS if workers is None else workers
    with ThreadPoolExecutor(max_workers=workers) if workers > 1 else contextlib.nullcontext() as pool:
        for i, (far_parts, near_parts) in enumerate(pool.map(task, chunks) if pool else map(task, chunks)):
            for flat, elev in far_parts:
                np.maximum.at(ghorizon, flat, elev)
            for flat, elev in near_parts:
                np.maximum.at(horizon, flat, elev)
            if progress is not None:
                progress(i + 1, len(chunks))
    horizon = np.maximum(horizon.reshape(n, n_sectors), ghorizon.reshape(ng, n_sectors)[ginv])
    horizon = np.degrees(np.arctan(horizon))
    horizon[horizon < min_elevation_deg] = 0.0
    return horizon


# --------------------------------------------------------------------------------------------
# Diffuse: sky-view factor of a tilted plane, horizon-brightening band
# --------------------------------------------------------------------------------------------

def _entries(horizon: np.ndarray):
    """(plane, sector, elevation [°]) of every non-zero horizon entry."""
    n_s = horizon.shape[1]
    flat = horizon.reshape(-1)
    idx = np.flatnonzero(flat > 0)
    rows = idx // n_s
    return rows, idx - rows * n_s, flat[idx].astype(float)


def _blocked_isotropic(cos_tilt, sin_tilt, rel_az_rad, elev_rad):
    """∫_0^E max(cos θ, 0) cos e de for sky elements below the horizon E at a relative azimuth.

    cos θ = sin e cos β + cos e sin β cos Δφ, so the integrand is a·sin e·cos e + b·cos² e
    with a = cos β, b = sin β cos Δφ: closed form, clipped where the sky lies behind the plane
    (b < 0 and e < atan(−b/a)). Broadcasts over its arguments.
    """
    a = cos_tilt
    b = sin_tilt * np.cos(rel_az_rad)

    def primitive(x):
        return a * np.sin(x) ** 2 / 2 + b * (x / 2 + np.sin(2 * x) / 4)

    e0 = np.where(b < 0, np.arctan2(-b, a), 0.0)
    return primitive(elev_rad) - primitive(np.minimum(e0, elev_rad))


def sky_view_factor(horizon_deg, tilt_deg, azimuth_deg, entries=None) -> np.ndarray:
    """Share of a tilted plane's isotropic sky diffuse left by its horizon (1 = unobstructed).

    The sky dome is weighted by the cosine of incidence on the plane; each sector's sky below
    its horizon elevation is removed (midpoint rule in azimuth, exact in elevation). For a
    horizontal plane this is the classic sky-view factor 1 − Σ sin²(h_k)/n.

    Parameters
    ----------
    horizon_deg : array (n, n_sectors)
        Horizon elevation per sector [°].
    tilt_deg, azimuth_deg : array (n,)
        Plane tilt [°] and true azimuth [°].

    Returns
    -------
    numpy.ndarray (n,)
        Sky-view factor of the plane [-], in [0, 1].
    """
    horizon = np.asarray(horizon_deg)
    n, n_sectors = horizon.shape
    tilt = np.radians(np.asarray(tilt_deg, dtype=float))
    rows, cols, elev = _entries(horizon) if entries is None else entries
    blocked = np.zeros(n)
    if rows.size:
        rel = np.radians(sector_centres(n_sectors)[cols] - np.asarray(azimuth_deg, dtype=float)[rows])
        part = _blocked_isotropic(np.cos(tilt)[rows], np.sin(tilt)[rows], rel, np.radians(elev))
        blocked = np.bincount(rows, weights=part, minlength=n) * (2 * np.pi / n_sectors)
    unobstructed = np.pi * (1 + np.cos(tilt)) / 2
    return np.clip(1.0 - blocked / unobstructed, 0.0, 1.0)


def horizon_band_visible(horizon_deg, azimuth_deg, min_elevation_deg: float = 0.0) -> np.ndarray:
    """Share of the Perez horizon-brightening band a plane still sees (1 = clear horizon).

    Sectors are weighted by how squarely the plane faces them (max(cos Δφ, 0)); a sector whose
    horizon is raised by a neighbour hides the band there.

    Parameters
    ----------
    horizon_deg : array (n, n_sectors)
        Horizon elevation [°].
    azimuth_deg : array (n,)
        Plane azimuth [°].
    min_elevation_deg : float
        Elevations at or below this count as a clear horizon [°].
    """
    horizon = np.asarray(horizon_deg, dtype=float)
    n_sectors = horizon.shape[1]
    rel = np.radians(sector_centres(n_sectors)[None, :] - np.asarray(azimuth_deg, dtype=float)[:, None])
    weight = np.maximum(np.cos(rel), 0.0)
    clear = horizon <= min_elevation_deg
    return (weight * clear).sum(axis=1) / weight.sum(axis=1)


# --------------------------------------------------------------------------------------------
# Per-place sun-path histogram
# --------------------------------------------------------------------------------------------

@dataclass
class SunPathHistogram:
    """Beam irradiance of each orientation bin by sun sector and sun elevation, over a year.

    Attributes
    ----------
    tilts, azimuths : numpy.ndarray
        Orientation bin centres of the place's grid [°].
    n_sectors : int
        Sun-azimuth sectors (same as the horizon profiles).
    elevation_step_deg : float
        Width of the sun-elevation bins [°] (bins from 0 to 90°).
    cum : numpy.ndarray (tilts, azimuths, sectors, elevation bins + 1, 4)
        What a horizon at each elevation bin edge removes in each sector, cumulative from 0°:
        ``[..., 0]`` annual beam + circumsolar plane irradiance from the sun below it [kWh/m²];
        ``[..., 1]`` the same with the physical IAM on the beam (what PV converts) [kWh/m²];
        ``[..., 2]`` share of the plane's isotropic sky diffuse (sky-view factor = 1 − sum);
        ``[..., 3]`` share of the horizon-brightening band (weighted by max(cos Δφ, 0)).
        Stacked so that one gather per (plane, sector) reads all four.
    totals : pandas.DataFrame
        Per bin (``tilt_deg``, ``azimuth_deg``) annual components [kWh/m²]: ``poa_global``,
        ``beam`` (direct + circumsolar), ``isotropic``, ``horizon``, ``ground``, and
        ``effective`` (IAM on direct) with ``beam_effective``.
    """

    tilts: np.ndarray
    azimuths: np.ndarray
    n_sectors: int
    elevation_step_deg: float
    cum: np.ndarray
    totals: pd.DataFrame

    @property
    def cum_beam_poa(self) -> np.ndarray:
        return self.cum[..., 0]

    @property
    def cum_beam_effective(self) -> np.ndarray:
        return self.cum[..., 1]


def _components(weather, solpos, tilt, azimuth, albedo, for_pv: bool = False):
    """Hourly Perez components on planes (hours × planes) [W/m²]: direct, circumsolar, isotropic,
    horizon, ground, and the physical IAM of the direct beam; with ``for_pv`` also the plane
    totals exactly as :func:`analysis.solar.plane_irradiance` adds them (``poa_diffuse`` =
    sky + ground, ``poa_global`` = direct + that), for the PV chain."""
    tilt = np.atleast_1d(np.asarray(tilt, dtype=float))[None, :]
    azimuth = np.atleast_1d(np.asarray(azimuth, dtype=float))[None, :]
    col = lambda s: np.asarray(s, dtype=float)[:, None]  # noqa: E731 - hours as a column
    zen, saz = col(solpos["apparent_zenith"]), col(solpos["azimuth"])
    dni, ghi, dhi = col(weather["dni"]), col(weather["ghi"]), col(weather["dhi"])
    with np.errstate(invalid="ignore", divide="ignore"):
        aoi = pvlib.irradiance.aoi(tilt, azimuth, zen, saz)
        direct = np.maximum(dni * np.cos(np.radians(aoi)), 0.0)
        parts = pvlib.irradiance.perez(tilt, azimuth, dhi, dni, col(solpos["dni_extra"]), zen, saz,
                                       col(solpos["airmass"]), return_components=True)
        ground = pvlib.irradiance.get_ground_diffuse(tilt, ghi, albedo)
        iam = pvlib.iam.physical(aoi)
    out = {"direct": direct, "circumsolar": parts["poa_circumsolar"], "isotropic": parts["poa_isotropic"],
           "horizon": parts["poa_horizon"], "ground": ground}
    out = {k: np.nan_to_num(np.broadcast_to(np.asarray(v, dtype=float), direct.shape)) for k, v in out.items()}
    out["iam"] = np.nan_to_num(np.asarray(iam, dtype=float), nan=0.0)
    if for_pv:  # pvlib's poa_components order, NaN cleaned after adding (as plane_irradiance does)
        diffuse = parts["poa_sky_diffuse"] + ground
        out["poa_global_pv"] = np.nan_to_num(np.asarray(direct + diffuse, dtype=float))
        out["poa_diffuse_pv"] = np.nan_to_num(np.asarray(diffuse, dtype=float))
    return out


def place_grid_and_histogram(weather: pd.DataFrame, metadata: dict, assumptions, n_sectors: int = 36,
                             elevation_step_deg: float = 0.5, tilts=solar.DEFAULT_TILTS,
                             azimuths=solar.DEFAULT_AZIMUTHS, quality=None) -> tuple[pd.DataFrame, SunPathHistogram]:
    """The place's PV yield grid and its sun-path histogram in one pass over the orientation bins.

    The same values as :func:`analysis.solar.place_yield_grid` and :func:`sun_path_histogram`
    called one after the other (tested), with the transposition and IAM of every bin and hour
    computed once instead of twice (roof grid, rack grid, histogram).

    Parameters
    ----------
    weather, metadata
        The place's hourly weather.
    assumptions : analysis.config.Assumptions
        ``pv`` group (losses, albedo) as for :func:`analysis.solar.place_yield_grid`.
    n_sectors, elevation_step_deg
        As for :func:`sun_path_histogram`.
    tilts, azimuths : 1-D array
        Orientation bins [°].
    quality : analysis.quality.QualityLog, optional
        Passed to :func:`analysis.solar.fit_faiman`.

    Returns
    -------
    (pandas.DataFrame, SunPathHistogram)
    """
    import dataclasses

    tilts = np.asarray(tilts, dtype=float)
    azimuths = np.asarray(azimuths, dtype=float)
    solpos = solar.solar_position(weather, metadata)
    systems = {}
    for mount in ("roof", "rack"):
        system = solar.system_from_assumptions(assumptions, mount)
        u0, u1 = solar.fit_faiman(weather, solpos, mount, system.albedo, quality)
        systems[mount] = dataclasses.replace(system, faiman_u0=u0, faiman_u1=u1)
    n_bins = len(tilts) * len(azimuths)
    rack_bins = int((tilts <= solar.RACK_TILTS.max()).sum()) * len(azimuths)  # a prefix: tilts ascend
    pv, poa, rack = np.empty(n_bins), np.empty(n_bins), np.full(n_bins, np.nan)

    def pv_sums(sl, c):
        irr = {"poa_global": c["poa_global_pv"], "poa_direct": c["direct"], "poa_diffuse": c["poa_diffuse_pv"]}
        system = systems["roof"]
        pv[sl] = solar.pv_from_irradiance(irr, c["iam"], weather, system,
                                          (system.faiman_u0, system.faiman_u1))["ac_w"].sum(axis=0) / 1000
        poa[sl] = irr["poa_global"].sum(axis=0) / 1000
        cols = min(sl.stop, rack_bins) - sl.start
        if cols > 0:
            system = systems["rack"]
            part = {k: v[:, :cols] for k, v in irr.items()}
            rack[sl.start:sl.start + cols] = solar.pv_from_irradiance(
                part, c["iam"][:, :cols], weather, system, (system.faiman_u0, system.faiman_u1))["ac_w"].sum(axis=0) / 1000

    hist = _sun_path_histogram(weather, solpos, tilts, azimuths, n_sectors, elevation_step_deg,
                               systems["roof"].albedo, 96, pv_sums)
    tt, aa = np.meshgrid(tilts, azimuths, indexing="ij")
    grid = pd.DataFrame({"tilt_deg": tt.ravel(), "azimuth_deg": aa.ravel(), "pv_kwh_per_kwp": pv,
                         "poa_kwh_per_m2": poa, "pv_rack_kwh_per_kwp": rack})
    grid.attrs.update(losses_pct=systems["roof"].losses_pct, albedo=systems["roof"].albedo)
    return grid, hist


def sun_path_histogram_cached(weather: pd.DataFrame, metadata: dict, weather_path, weather_format, tilts, azimuths,
                              n_sectors: int, elevation_step_deg: float, albedo: float) -> SunPathHistogram:
    """:func:`sun_path_histogram`, kept in the run cache (:mod:`analysis.cache`) under the weather
    file's hash, the bins and this code: the pipeline and ``roof-irradiance`` share the entries."""
    from analysis import cache
    from analysis import config as config_mod

    key = cache.key_of(weather=config_mod.file_sha256(weather_path), fmt=weather_format,
                       tilts=np.asarray(tilts, float).tolist(), azimuths=np.asarray(azimuths, float).tolist(),
                       sectors=n_sectors, step=elevation_step_deg, albedo=albedo,
                       code=cache.code_hash("shading.py", "solar.py", "ingest/weather.py"))
    return cache.cached("sun-path", key, lambda: sun_path_histogram(
        weather, metadata, tilts, azimuths, n_sectors, elevation_step_deg, albedo))


def sun_path_histogram(weather: pd.DataFrame, metadata: dict, tilts=solar.DEFAULT_TILTS,
                       azimuths=solar.DEFAULT_AZIMUTHS, n_sectors: int = 36, elevation_step_deg: float = 0.5,
                       albedo: float = 0.2, chunk: int = 96) -> SunPathHistogram:
    """Sun-path histogram of beam plane irradiance for every orientation bin of a place.

    Parameters
    ----------
    weather, metadata
        From :func:`analysis.ingest.weather.read_weather` (hourly, end-of-interval labels).
    tilts, azimuths : 1-D array
        Orientation bins [°], the same as the place's yield grid.
    n_sectors : int
        Sun-azimuth sectors, equal to the horizon profiles' sectors.
    elevation_step_deg : float
        Sun-elevation bin width [°].
    albedo : float
        Ground reflectance [-] (ground-reflected part of the totals).
    chunk : int
        Orientation bins computed together (memory: hours × chunk arrays).

    Returns
    -------
    SunPathHistogram
    """
    tilts = np.asarray(tilts, dtype=float)
    azimuths = np.asarray(azimuths, dtype=float)
    return _sun_path_histogram(weather, solar.solar_position(weather, metadata), tilts, azimuths, n_sectors,
                               elevation_step_deg, albedo, chunk)


def _sun_path_histogram(weather, solpos, tilts, azimuths, n_sectors, elevation_step_deg, albedo, chunk,
                        on_chunk=None) -> SunPathHistogram:
    """:func:`sun_path_histogram`; ``on_chunk(bins, components)`` also sees each chunk's components."""
    elevation = 90.0 - solpos["apparent_zenith"].to_numpy()
    n_elev = int(round(90.0 / elevation_step_deg))
    up = elevation > 0
    sun_bin = (sector_of(solpos["azimuth"].to_numpy(), n_sectors) * n_elev
               + np.clip(np.floor(elevation / elevation_step_deg).astype(np.int64), 0, n_elev - 1))
    hours = np.flatnonzero(up)
    onehot = scipy.sparse.csr_matrix((np.ones(hours.size), (sun_bin[hours], hours)),
                                     shape=(n_sectors * n_elev, len(weather)))
    tt, aa = np.meshgrid(tilts, azimuths, indexing="ij")
    tt, aa = tt.ravel(), aa.ravel()
    hist_poa = np.empty((tt.size, n_sectors * n_elev))
    hist_eff = np.empty_like(hist_poa)
    keys = ["poa_global", "beam", "isotropic", "horizon", "ground", "effective", "beam_effective"]
    totals = {k: np.empty(tt.size) for k in keys}
    for start in range(0, tt.size, chunk):
        sl = slice(start, start + chunk)
        c = _components(weather, solpos, tt[sl], aa[sl], albedo, for_pv=on_chunk is not None)
        if on_chunk is not None:
            on_chunk(slice(start, min(start + chunk, tt.size)), c)
        beam = c["direct"] + c["circumsolar"]
        beam_eff = c["direct"] * c["iam"] + c["circumsolar"]
        hist_poa[sl] = (onehot @ beam).T / 1000.0
        hist_eff[sl] = (onehot @ beam_eff).T / 1000.0
        diffuse = c["isotropic"] + c["horizon"] + c["ground"]
        sums = {"beam": beam, "isotropic": c["isotropic"], "horizon": c["horizon"], "ground": c["ground"],
                "beam_effective": beam_eff, "poa_global": beam + diffuse, "effective": beam_eff + diffuse}
        for k, v in sums.items():
            totals[k][sl] = v.sum(axis=0) / 1000.0
    shape = (len(tilts), len(azimuths), n_sectors, n_elev)

    def cumulative(hist):
        h = hist.reshape(shape)
        return np.concatenate([np.zeros(shape[:3] + (1,)), np.cumsum(h, axis=3)], axis=3)

    frame = pd.DataFrame({"tilt_deg": tt, "azimuth_deg": aa, **totals})
    # Diffuse channels (weather-independent): blocked isotropic share per sector below each
    # elevation edge (closed form, midpoint in azimuth), and the horizon band's sector weights.
    t = np.radians(tilts)[:, None, None, None]
    rel = np.radians(sector_centres(n_sectors)[None, None, :, None] - azimuths[None, :, None, None])
    edges = np.radians(np.arange(n_elev + 1) * elevation_step_deg)[None, None, None, :]
    iso = _blocked_isotropic(np.cos(t), np.sin(t), rel, edges) * (2 * np.pi / n_sectors) / (np.pi * (1 + np.cos(t)) / 2)
    weight = np.maximum(np.cos(rel[0, :, :, 0]), 0.0)
    band = np.broadcast_to((weight / weight.sum(axis=1, keepdims=True))[None, :, :, None], shape[:3] + (n_elev + 1,)).copy()
    band[..., 0] = 0.0  # a horizon at 0° hides nothing
    cum = np.stack([cumulative(hist_poa), cumulative(hist_eff), np.broadcast_to(iso, band.shape), band],
                   axis=-1).astype(np.float32)  # float32: half the memory traffic of the per-plane lookups
    return SunPathHistogram(tilts, azimuths, n_sectors, float(elevation_step_deg), cum, frame)


def _bilinear_nodes(values: np.ndarray, nodes: np.ndarray, periodic: bool):
    """Lower node index and weight of the upper node for each value (clamped or periodic)."""
    if periodic:
        values = np.mod(values, 360.0)
        ext = np.append(nodes, nodes[0] + 360.0)
        i = np.clip(np.searchsorted(ext, values, side="right") - 1, 0, len(nodes) - 1)
        w = (values - ext[i]) / (ext[i + 1] - ext[i])
        return i, (i + 1) % len(nodes), w
    values = np.clip(values, nodes[0], nodes[-1])
    i = np.clip(np.searchsorted(nodes, values, side="right") - 1, 0, len(nodes) - 2)
    w = (values - nodes[i]) / (nodes[i + 1] - nodes[i])
    return i, i + 1, w


def _lookup(hist: SunPathHistogram, entries, n: int, tilt_deg, azimuth_deg) -> np.ndarray:
    """Sum over each plane's non-zero horizon sectors of the four :attr:`SunPathHistogram.cum` channels.

    Bilinear in orientation (like :func:`analysis.solar.interpolate_grid`); the horizon
    elevation is rounded to the nearest bin edge (error at most half a bin). Cost: planes ×
    non-zero sectors, independent of hours. Returns (n, 4).
    """
    n_t, n_a, n_s, n_e1, n_c = hist.cum.shape
    rows, cols, elev = entries
    out = np.zeros((n, n_c))
    if rows.size == 0:
        return out
    # Orientation nodes per plane (cheap), then per (plane, sector) entry.
    ti0, ti1, wt = _bilinear_nodes(np.asarray(tilt_deg, dtype=float), hist.tilts, periodic=False)
    ai0, ai1, wa = _bilinear_nodes(np.asarray(azimuth_deg, dtype=float), hist.azimuths, periodic=True)
    cell = cols * n_e1 + np.clip(np.rint(elev / hist.elevation_step_deg), 0, n_e1 - 1).astype(np.int64)
    flat = hist.cum.reshape(-1, n_c)
    value = None
    for ti, ai, w in ((ti0, ai0, (1 - wt) * (1 - wa)), (ti1, ai0, wt * (1 - wa)),
                      (ti0, ai1, (1 - wt) * wa), (ti1, ai1, wt * wa)):
        if not (w > 0).any():
            continue  # e.g. every plane's tilt on a node: two corners instead of four
        part = np.take(flat, (ti * n_a + ai)[rows] * (n_s * n_e1) + cell, axis=0)  # take: fast for 2-D
        part *= w.astype(flat.dtype)[rows][:, None]
        value = part if value is None else value.__iadd__(part)
    # Entries come sorted by plane: sum each plane's run of sectors.
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    out[rows[starts]] = np.add.reduceat(value, starts, axis=0)
    return out


def blocked_beam(hist: SunPathHistogram, horizon_deg, tilt_deg, azimuth_deg) -> np.ndarray:
    """Annual beam (+ circumsolar) irradiance that each plane's horizon blocks [kWh/m²].

    Parameters
    ----------
    hist : SunPathHistogram
    horizon_deg : array (n, n_sectors)
        Horizon elevation per sector [°] (``hist.n_sectors`` sectors).
    tilt_deg, azimuth_deg : array (n,)
        Plane tilt and true azimuth [°].

    Returns
    -------
    numpy.ndarray (n, 2)
        Blocked plane-of-array beam ``[:, 0]`` and IAM-weighted beam ``[:, 1]`` (for PV) [kWh/m²].
    """
    horizon = np.asarray(horizon_deg)
    if horizon.ndim != 2 or horizon.shape[1] != hist.n_sectors:
        raise ValueError(f"horizon must have {hist.n_sectors} sectors per plane, got shape {horizon.shape}")
    return _lookup(hist, _entries(horizon), len(horizon), tilt_deg, azimuth_deg)[:, :2]


def interpolate_totals(hist: SunPathHistogram, column: str, tilt_deg, azimuth_deg) -> np.ndarray:
    """Bilinear interpolation of one annual component of :attr:`SunPathHistogram.totals` [kWh/m²]."""
    return solar.interpolate_grid(hist.totals, column, tilt_deg, azimuth_deg)


def shaded_arrays(hist: SunPathHistogram, horizon_deg, tilt_deg, azimuth_deg) -> dict:
    """:func:`shaded_irradiance` as a dict of numpy arrays (no table), for the roof step."""
    horizon = np.asarray(horizon_deg)
    if horizon.ndim == 1:
        horizon = horizon.reshape(0, hist.n_sectors) if horizon.size == 0 else horizon[None, :]
    tilt = np.asarray(tilt_deg, dtype=float)
    azimuth = np.asarray(azimuth_deg, dtype=float)
    # One search for the plane's cell in the orientation grid, shared by the six totals.
    lookup = solar.grid_lookup(hist.tilts, hist.azimuths, tilt, azimuth)
    comp = {c: lookup(solar.grid_table(hist.totals, c)) for c in
            ("poa_global", "beam", "isotropic", "horizon", "effective", "beam_effective")}
    if horizon.ndim != 2 or horizon.shape[1] != hist.n_sectors:
        raise ValueError(f"horizon must have {hist.n_sectors} sectors per plane, got shape {horizon.shape}")
    # In runs of planes: the per-(plane, sector) index arrays stay small (memory, cache).
    lost = np.zeros((len(horizon), hist.cum.shape[-1]))
    for start in range(0, len(horizon), LOOKUP_PLANES):
        part = slice(start, start + LOOKUP_PLANES)
        lost[part] = _lookup(hist, _entries(horizon[part]), len(horizon[part]), tilt[part], azimuth[part])
    beam_lost, beam_eff_lost = lost[:, 0], lost[:, 1]
    svf = np.clip(1 - lost[:, 2], 0.0, 1.0)
    band = np.clip(1 - lost[:, 3], 0.0, 1.0)
    diffuse_lost = comp["isotropic"] * (1 - svf) + comp["horizon"] * (1 - band)
    shaded = comp["poa_global"] - beam_lost - diffuse_lost
    shaded_eff = comp["effective"] - beam_eff_lost - diffuse_lost
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = np.where(comp["poa_global"] > 0, 1 - shaded / comp["poa_global"], 0.0)
        ratio = np.where(comp["effective"] > 0, shaded_eff / comp["effective"], 1.0)
        beam_loss = np.where(comp["beam"] > 0, beam_lost / comp["beam"], 0.0)
    return {"poa_kwh_per_m2": shaded, "unshaded_poa_kwh_per_m2": comp["poa_global"],
            "effective_ratio": np.clip(ratio, 0.0, 1.0), "shading_loss": np.clip(loss, 0.0, 1.0),
            "sky_view_factor": svf, "beam_loss": np.clip(beam_loss, 0.0, 1.0)}


def shaded_irradiance(hist: SunPathHistogram, horizon_deg, tilt_deg, azimuth_deg) -> pd.DataFrame:
    """Annual plane irradiance with and without the horizon, per plane (the lookup method).

    Parameters
    ----------
    hist : SunPathHistogram
    horizon_deg : array (n, n_sectors)
        Horizon elevation [°].
    tilt_deg, azimuth_deg : array (n,)
        Plane tilt and true azimuth [°].

    Returns
    -------
    pandas.DataFrame
        ``poa_kwh_per_m2`` and ``unshaded_poa_kwh_per_m2`` [kWh/m²/yr]; ``effective_ratio``
        (shaded / unshaded IAM-weighted irradiance, what scales PV yield) [-];
        ``shading_loss`` = 1 − shaded/unshaded plane irradiance [-]; ``sky_view_factor`` [-];
        ``beam_loss`` (share of beam + circumsolar blocked) [-].
    """
    return pd.DataFrame(shaded_arrays(hist, horizon_deg, tilt_deg, azimuth_deg))


def hourly_shaded_irradiance(weather: pd.DataFrame, metadata: dict, tilt: float, azimuth: float, horizon_deg,
                             albedo: float = 0.2) -> dict:
    """Hour-by-hour reference: one plane's irradiance with its horizon applied to each hour.

    Beam and circumsolar are removed in every hour whose sun lies below the horizon of its
    sector; diffuse parts as in :func:`shaded_irradiance`. Used to validate the histogram.

    Parameters
    ----------
    weather, metadata
        Hourly weather and its metadata.
    tilt, azimuth : float
        Plane tilt and true azimuth [°].
    horizon_deg : array (n_sectors,)
        Horizon elevation per sector [°].
    albedo : float
        Ground reflectance [-].

    Returns
    -------
    dict of numpy.ndarray (hours,)
        ``poa_global``, ``effective`` (shaded) and ``poa_global_unshaded``,
        ``effective_unshaded`` [W/m²].
    """
    horizon = np.asarray(horizon_deg, dtype=float).reshape(1, -1)
    solpos = solar.solar_position(weather, metadata)
    c = {k: v[:, 0] for k, v in _components(weather, solpos, tilt, azimuth, albedo).items()}
    elevation = 90.0 - solpos["apparent_zenith"].to_numpy()
    sector = sector_of(solpos["azimuth"].to_numpy(), horizon.shape[1])
    lit = elevation >= horizon[0, sector]
    svf = sky_view_factor(horizon, [tilt], [azimuth])[0]
    band = horizon_band_visible(horizon, [azimuth])[0]
    diffuse = c["isotropic"] * svf + c["horizon"] * band + c["ground"]
    diffuse_open = c["isotropic"] + c["horizon"] + c["ground"]
    beam = c["direct"] + c["circumsolar"]
    beam_eff = c["direct"] * c["iam"] + c["circumsolar"]
    return {"poa_global": beam * lit + diffuse, "effective": beam_eff * lit + diffuse,
            "poa_global_unshaded": beam + diffuse_open, "effective_unshaded": beam_eff + diffuse_open}


#: Rows-of-panels cases checked against pvlib's infinite rows: (tilt [°], ground coverage ratio, position up
#: the slant [0-1], tolerance [%]). Up to 20° of masking the horizon method is within 1 %; the ten-degree
#: sectors take each sector's highest edge, so a sky closed far deeper (46° here) loses too much light.
ROW_CASES = ((30.0, 0.45, 0.5, 1.0), (30.0, 0.60, 0.25, 1.0), (40.0, 0.80, 0.5, 1.0), (40.0, 0.80, 0.1, 5.0))


def rows_of_panels(weather: pd.DataFrame, metadata: dict, hist: SunPathHistogram, tilt: float, gcr: float,
                   x: float, slant_m: float = 2.0, albedo: float = 0.2) -> dict:
    """Annual irradiance of a point on a panel in long east-west rows: this model against pvlib's.

    A published case with an independent geometry: a point ``x`` up the slant of a south-facing panel
    in the middle of infinitely long rows, each row shading the next. The reference is built hour by
    hour from pvlib's functions: beam and circumsolar are lost while the sun's elevation projected
    across the rows (``pvlib.shading.projected_solar_zenith_angle``) lies below the masking angle of
    the row in front (``pvlib.shading.masking_angle``, Passias and Källbäck 1984); the isotropic sky
    is scaled by the 2D view factor to the sky (``pvlib.bifacial.utils.vf_row_sky_2d``, Marion et al.
    2017); the horizon band is lost; ground reflection is unchanged. This model sees the row in front
    as a long wall of its top edge's height (:func:`horizon_profiles`) and shades the point with the
    sun-path histogram (:func:`shaded_irradiance`).

    Parameters
    ----------
    weather, metadata
        Hourly weather and its metadata.
    hist : SunPathHistogram
        Of the same weather (:func:`sun_path_histogram`, 36 sectors).
    tilt : float
        Panel tilt [°].
    gcr : float
        Ground coverage ratio: slant length / row pitch [-].
    x : float
        Position of the point up the slant (0 bottom, 1 top) [-].
    slant_m : float
        Slant length of a row [m] (the case scales with it).
    albedo : float
        Ground reflectance [-].

    Returns
    -------
    dict
        ``masking_angle_deg`` (pvlib) and ``model_horizon_deg`` (this model, due south) [°];
        ``reference_sky_view`` and ``model_sky_view`` (isotropic sky left, 1 = open) [-];
        ``reference_kwh_per_m2`` and ``model_kwh_per_m2`` (annual plane-of-array irradiance) [kWh/m²].
    """
    pitch, rise, run = slant_m / gcr, slant_m * np.sin(np.radians(tilt)), slant_m * np.cos(np.radians(tilt))
    wall = shapely.box(-3000.0, -pitch + run - 0.05, 3000.0, -pitch + run)  # the front row's top edge
    profile = horizon_profiles(np.array([[0.0, x * run]]), np.array([x * rise]),
                               prepare_shaders(np.array([wall], dtype=object), np.array([rise])),
                               n_sectors=hist.n_sectors, radius_m=3500.0, min_elevation_deg=0.1)
    ours = shaded_irradiance(hist, profile, [tilt], [180.0]).iloc[0]

    solpos = solar.solar_position(weather, metadata)
    zenith, azimuth = solpos["apparent_zenith"].to_numpy(), solpos["azimuth"].to_numpy()
    dni = weather["dni"].to_numpy(dtype=float)
    parts = pvlib.irradiance.perez(tilt, 180.0, weather["dhi"].to_numpy(dtype=float), dni,
                                   pvlib.irradiance.get_extra_radiation(weather.index).to_numpy(), zenith, azimuth,
                                   pvlib.atmosphere.get_relative_airmass(zenith), return_components=True)
    part = {k: np.nan_to_num(np.asarray(parts[k], dtype=float)) for k in ("poa_isotropic", "poa_circumsolar")}
    cos_aoi = np.cos(np.radians(pvlib.irradiance.aoi(tilt, 180.0, zenith, azimuth)))
    beam = np.nan_to_num(np.clip(dni * cos_aoi, 0, None) * (zenith < 90)) + part["poa_circumsolar"]
    masking = float(pvlib.shading.masking_angle(tilt, gcr, x))
    lit = 90 - np.abs(pvlib.shading.projected_solar_zenith_angle(zenith, azimuth, 0, 90)) >= masking
    sky = float(pvlib.bifacial.utils.vf_row_sky_2d(tilt, gcr, x)) / ((1 + np.cos(np.radians(tilt))) / 2)
    ground = np.nan_to_num(np.asarray(pvlib.irradiance.get_ground_diffuse(tilt, weather["ghi"].to_numpy(dtype=float),
                                                                         albedo), dtype=float))
    reference = ((beam * lit).sum() + (part["poa_isotropic"] * sky).sum() + ground.sum()) / 1000
    south = int(sector_of(np.array([180.0]), hist.n_sectors)[0])
    return {"masking_angle_deg": masking, "model_horizon_deg": float(profile[0, south]),
            "reference_sky_view": sky, "model_sky_view": float(ours["sky_view_factor"]),
            "reference_kwh_per_m2": float(reference), "model_kwh_per_m2": float(ours["poa_kwh_per_m2"])}


def shade_planes(points_xy, points_z, tilt_deg, azimuth_deg, exclude, shaders: Shaders, hist: SunPathHistogram, *,
                 radius_m: float = 100.0, min_elevation_deg: float = 5.0, north_offset_deg: float = 0.0,
                 chunk: int = 100_000, progress=None) -> pd.DataFrame:
    """Horizon, sky-view factor and shaded irradiance of many roof planes, in bounded memory.

    Planes are taken in spatial order (1 km strips) in chunks; each chunk's horizon profiles
    are computed, turned into irradiance with the sun-path histogram and dropped, so memory
    stays at chunk × sectors whatever the number of planes.

    Parameters
    ----------
    points_xy : array (n, 2)
        Shading point of each plane [m].
    points_z : array (n,)
        Its height above ground [m].
    tilt_deg, azimuth_deg : array (n,)
        Plane tilt and true azimuth [°].
    exclude : array (n,) of int
        Index in ``shaders`` of each plane's own building (-1 for none); it also groups the
        planes of a building for the far field (:func:`horizon_profiles`).
    shaders : Shaders
        :func:`prepare_shaders` of targets and context buildings.
    hist : SunPathHistogram
        The place's histogram; its ``n_sectors`` sets the horizon resolution.
    radius_m, min_elevation_deg, north_offset_deg
        See :func:`horizon_profiles`.
    chunk : int
        Planes per chunk.
    progress : callable, optional
        ``progress(done, total)`` in planes.

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`shaded_irradiance` plus ``horizon_mean_deg`` and ``horizon_max_deg``
        (over sectors) [°], in the input order.
    """
    return pd.DataFrame(shade_arrays(points_xy, points_z, tilt_deg, azimuth_deg, exclude, shaders, hist,
                                     radius_m=radius_m, min_elevation_deg=min_elevation_deg,
                                     north_offset_deg=north_offset_deg, chunk=chunk, progress=progress), copy=False)


def shade_arrays(points_xy, points_z, tilt_deg, azimuth_deg, exclude, shaders: Shaders, hist: SunPathHistogram, *,
                 radius_m: float = 100.0, min_elevation_deg: float = 5.0, north_offset_deg: float = 0.0,
                 chunk: int = 100_000, progress=None, trees: Shaders | None = None,
                 tree_transmissivity: float = 1.0) -> dict:
    """:func:`shade_planes` as a dict of numpy arrays in the input order (no table), for the roof step.

    With ``trees`` (crowns as prisms, :func:`analysis.ingest.trees.crowns`), each plane also gets a
    tree horizon. Where a crown rises above the buildings' horizon, the sky between the two
    horizons is seen through leaves: it passes ``tree_transmissivity`` of its light. Every
    quantity of :func:`shaded_arrays` is linear in the light lost, so the plane's value is
    τ × (buildings only) + (1 − τ) × (buildings and crowns as solid). ``tree_loss`` is the share of
    the buildings-only effective irradiance the crowns take [-].
    """
    xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    z = np.asarray(points_z, dtype=float)
    tilt = np.asarray(tilt_deg, dtype=float)
    azimuth = np.asarray(azimuth_deg, dtype=float)
    exclude = np.asarray(exclude, dtype=np.int64)
    _, chunks = _plane_chunks(xy, exclude, chunk)
    # Results written in place by chunk (scattered back to the input order): nothing to concatenate.
    out = {name: np.zeros(n) for name in ("poa_kwh_per_m2", "unshaded_poa_kwh_per_m2", "effective_ratio",
                                          "shading_loss", "sky_view_factor", "beam_loss")}
    out["horizon_mean_deg"] = np.zeros(n, np.float32)
    out["horizon_max_deg"] = np.zeros(n, np.float32)
    out["tree_loss"] = np.zeros(n, np.float32)
    reach = radius_m + 1.0
    if not 0.0 <= tree_transmissivity <= 1.0:
        raise InputError(f"tree transmissivity must lie in [0, 1], got {tree_transmissivity}",
                         fix="check the trees assumptions")
    if trees is not None and (len(trees.height_m) == 0 or tree_transmissivity >= 1.0):
        trees = None  # no crowns, or crowns that let all light through: nothing to compute

    job = (xy, z, tilt, azimuth, exclude, shaders, hist, radius_m, min_elevation_deg, north_offset_deg, reach,
           trees, tree_transmissivity)
    done = 0
    for idx, result in _map_chunks(job, chunks):
        for name, values in result.items():
            out[name][idx] = values
        done += len(idx)
        if progress is not None:
            progress(done, n)
    return out


def _plane_chunks(xy: np.ndarray, exclude: np.ndarray, chunk: int) -> tuple[np.ndarray, list]:
    """Planes in spatial order (1 km strips, then east), each building's planes together, cut
    into chunks of about ``chunk`` planes that never split a building.

    The planes of one building share their far field (:func:`horizon_profiles`), computed from
    the building's planes in the chunk: a building split between two chunks would get a
    slightly different horizon, so results would depend on where the chunks fall (on the
    partitions and blocks of a run). Kept whole, they do not.
    """
    n = len(xy)
    if n == 0:
        return np.empty(0, int), []
    group = np.where(exclude >= 0, exclude, -1 - np.arange(n))  # a plane without a building: alone
    _, ginv = np.unique(group, return_inverse=True)
    count = np.bincount(ginv)
    gx, gy = np.bincount(ginv, weights=xy[:, 0]) / count, np.bincount(ginv, weights=xy[:, 1]) / count
    order = np.lexsort((np.arange(n), ginv, gx[ginv], np.floor(gy[ginv] / 1000.0)))
    sorted_groups = ginv[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])  # where each building begins
    cuts = np.unique(np.r_[starts[np.minimum(np.searchsorted(starts, np.arange(chunk, n, chunk)), len(starts) - 1)],
                           n])
    cuts = cuts[cuts > 0]
    return order, [order[a:b] for a, b in zip(np.r_[0, cuts[:-1]], cuts)]


#: The inputs of :func:`shade_arrays` while its chunks run: forked worker processes inherit them
#: (copy-on-write) instead of receiving them pickled.
_JOB = None


def _shade_chunk(idx) -> tuple:
    """One chunk of planes, start to finish: its neighbours, horizons and irradiance (arrays for ``idx``)."""
    (xy, z, tilt, azimuth, exclude, shaders, hist, radius_m, min_elevation_deg, north_offset_deg, reach,
     trees, tau) = _JOB
    lo, hi = xy[idx].min(axis=0) - reach, xy[idx].max(axis=0) + reach
    groups = np.where(exclude[idx] >= 0, exclude[idx], -1 - np.arange(len(idx)))

    def nearby(s: Shaders) -> np.ndarray:
        b = s.bounds
        return np.flatnonzero((b[:, 2] >= lo[0]) & (b[:, 0] <= hi[0]) & (b[:, 3] >= lo[1]) & (b[:, 1] <= hi[1]))

    horizon = horizon_profiles(xy[idx], z[idx], shaders, n_sectors=hist.n_sectors, radius_m=radius_m,
                               min_elevation_deg=min_elevation_deg, exclude=exclude[idx],
                               north_offset_deg=north_offset_deg, candidates=nearby(shaders), groups=groups, workers=1)
    result = shaded_arrays(hist, horizon, tilt[idx], azimuth[idx])
    result["horizon_mean_deg"] = horizon.mean(axis=1).astype(np.float32)
    result["horizon_max_deg"] = horizon.max(axis=1).astype(np.float32)
    result["tree_loss"] = np.zeros(len(idx), np.float32)
    near_trees = nearby(trees) if trees is not None else np.empty(0, int)
    # Only planes below the tallest crown nearby can see one above them (the others keep tree_loss 0).
    under = np.flatnonzero(z[idx] < trees.height_m[near_trees].max()) if near_trees.size else np.empty(0, int)
    if under.size:
        crowns = np.zeros_like(horizon)
        crowns[under] = horizon_profiles(xy[idx][under], z[idx][under], trees, n_sectors=hist.n_sectors,
                                         radius_m=radius_m, min_elevation_deg=min_elevation_deg,
                                         north_offset_deg=north_offset_deg, candidates=near_trees,
                                         groups=groups[under], workers=1)
        hit = np.flatnonzero((crowns > horizon).any(axis=1))
        if hit.size:
            solid = shaded_arrays(hist, np.maximum(horizon[hit], crowns[hit]), tilt[idx][hit], azimuth[idx][hit])
            before = result["effective_ratio"][hit].copy()
            for name in ("poa_kwh_per_m2", "effective_ratio", "shading_loss", "sky_view_factor", "beam_loss"):
                result[name][hit] = tau * result[name][hit] + (1 - tau) * solid[name]
            with np.errstate(invalid="ignore", divide="ignore"):
                result["tree_loss"][hit] = np.where(before > 0, 1 - result["effective_ratio"][hit] / before, 0.0)
    return idx, result


def _map_chunks(job, chunks):
    """Results of :func:`_shade_chunk` for each chunk, in order.

    The kernel is many mid-sized numpy operations that hold the GIL, so threads do not run it in
    parallel (measured: two threads no faster than one). With several chunks and cores the chunks
    go to forked worker processes (:data:`WORKERS`), which inherit the inputs; elsewhere (one
    chunk, one core, no ``fork``) they run in this process. Results do not depend on the route.
    """
    global _JOB
    import multiprocessing

    _JOB = job
    try:
        workers = min(WORKERS, len(chunks))
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                yield from pool.map(_shade_chunk, chunks)
        else:
            yield from map(_shade_chunk, chunks)
    finally:
        _JOB = None
