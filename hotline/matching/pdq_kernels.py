"""The compiled inner loops of :mod:`hotline.matching.pdq_index` (numba).

Why numba: a single PDQ query against 10 M hashes touches a few thousand
buckets; written as numpy calls, the per-call overhead (microseconds each, a
dozen calls per chunk) costs more than the memory reads themselves and a
single query runs at ~2,000/s. The same loop compiled by numba runs once per
query with no allocation beyond its result. numba and llvmlite install from
wheels (no compiler on the machine), compile for the CPU they run on (so the
``popcnt`` instruction is used) and cache the machine code beside this module
(or in the user's cache when that is read-only), so only the first process
after an install pays the ~2 s compile. faiss's ``IndexBinaryMultiHash`` was
measured too (``python -m bench matching``): it has no removal and no quality
filter, and its single-query path is slower than this loop.

Every function here works on plain arrays; the data structure and its
invariants live in :mod:`hotline.matching.pdq_index`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

REMOVED = 255
AHEAD = 16


def _popcount_intrinsic(typingctx: Any, value: Any) -> Any:  # pragma: no cover - compiled
    """LLVM's ``ctpop`` on a uint64: one ``popcnt`` instruction where the CPU has it."""
    signature = types.uint64(types.uint64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return signature, codegen


_popcount: Any = intrinsic(_popcount_intrinsic)


def _prefetch_intrinsic(typingctx: Any, array: Any, index: Any) -> Any:  # pragma: no cover
    """Ask the CPU to start loading ``array[index]`` (1-D) into cache: LLVM's ``prefetch``."""
    signature = types.void(array, index)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, [args[1]], wraparound=False, boundscheck=False
        )
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        int32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer.type, int32, int32, int32])
        function = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0")
        # read, keep in all cache levels, data cache
        builder.call(function, [byte_pointer, int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return signature, codegen


_prefetch: Any = intrinsic(_prefetch_intrinsic)


@njit(cache=True, nogil=True, inline="always")
def _distance(words: Any, row: int, q0: Any, q1: Any, q2: Any, q3: Any) -> int:
    return int(
        _popcount(words[row, 0] ^ q0)
        + _popcount(words[row, 1] ^ q1)
        + _popcount(words[row, 2] ^ q2)
        + _popcount(words[row, 3] ^ q3)
    )


@njit(cache=True, nogil=True, inline="always")
def _chunk(w0: Any, w1: Any, w2: Any, w3: Any, start: int, width: int) -> Any:
    """Bits ``[start, start + width)`` of a hash (bit 0 = most significant of ``w0``)."""
    word = start // 64
    bit = start % 64
    if word == 0:
        high, low = w0, w1
    elif word == 1:
        high, low = w1, w2
    elif word == 2:
        high, low = w2, w3
    else:
        high, low = w3, np.uint64(0)
    mask = (np.uint64(1) << np.uint64(width)) - np.uint64(1)
    if bit + width <= 64:
        return np.uint32((high >> np.uint64(64 - bit - width)) & mask)
    high_bits = 64 - bit
    low_bits = width - high_bits
    value = (high << np.uint64(low_bits)) | (low >> np.uint64(64 - low_bits))
    return np.uint32(value & mask)


@njit(cache=True, nogil=True)
def fill_tables(words: Any, starts: Any, width: int, offsets: Any, ids: Any) -> None:
    """Counting-sort tables: per chunk ``offsets`` (by chunk value) and ``ids`` (rows in value order).

    The caller allocates ``offsets`` (zeros, ``(chunks, 2**width + 1)``) and ``ids``
    (``(chunks, rows)``) with numpy, which asks the kernel for huge pages on large
    arrays: random reads into them then miss the TLB far less.
    """
    rows = words.shape[0]
    chunks = starts.shape[0]
    size = 1 << width
    values = np.empty(rows, dtype=np.uint32)
    for chunk in range(chunks):
        start = starts[chunk]
        counts = offsets[chunk]
        for row in range(rows):
            value = _chunk(words[row, 0], words[row, 1], words[row, 2], words[row, 3], start, width)
            values[row] = value
            counts[value + 1] += 1
        for bucket in range(size):
            counts[bucket + 1] += counts[bucket]
        cursor = counts[:size].copy()
        for row in range(rows):
            value = values[row]
            ids[chunk, cursor[value]] = row
            cursor[value] += 1


@njit(cache=True, nogil=True)
def _grow(array: Any, capacity: int) -> Any:
    grown = np.empty(capacity, dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown


@njit(cache=True, nogil=True)
def search_flat(
    words: Any, quality: Any, queries: Any, radius: int, min_quality: int
) -> tuple[Any, Any, Any]:
    """Brute force over every row (the append buffer): same output as :func:`search_segment`."""
    capacity = 64
    out_query = np.empty(capacity, dtype=np.int64)
    out_row = np.empty(capacity, dtype=np.int64)
    out_distance = np.empty(capacity, dtype=np.int64)
    found = 0
    for query in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[query, 0], queries[query, 1], queries[query, 2], queries[query, 3]
        for row in range(words.shape[0]):
            distance = _distance(words, row, q0, q1, q2, q3)
            if distance > radius:
                continue
            stored = quality[row]
            if stored == REMOVED or stored < min_quality:
                continue
            if found == capacity:
                capacity *= 2
                out_query = _grow(out_query, capacity)
                out_row = _grow(out_row, capacity)
                out_distance = _grow(out_distance, capacity)
            out_query[found] = query
            out_row[found] = row
            out_distance[found] = distance
            found += 1
    return out_query[:found], out_row[:found], out_distance[:found]


@njit(cache=True, nogil=True)
def search_segment(
    words: Any,
    quality: Any,
    offsets: Any,
    ids: Any,
    starts: Any,
    radii: Any,
    width: int,
    masks: Any,
    mask_counts: Any,
    queries: Any,
    radius: int,
    min_quality: int,
) -> tuple[Any, Any, Any]:
    """(query row, segment row, distance) of every live row within ``radius`` of each query.

    Chunk ``c`` is probed at every value within ``radii[c]`` bits of the query's
    (``masks[:mask_counts[r]]`` are the values of at most ``r`` bits). A row is
    reported only by the first chunk that finds it (each later chunk checks the
    earlier ones on the row itself), so no result repeats and no set is needed.

    Per query, three passes, each a run of independent loads with the next
    ones prefetched: bucket bounds for every probe, the rows in those buckets,
    then the 256-bit check of each row. Written as one nested loop, every
    load waited for the one before and the loop ran at half the speed.
    """
    capacity = 64
    out_query = np.empty(capacity, dtype=np.int64)
    out_row = np.empty(capacity, dtype=np.int64)
    out_distance = np.empty(capacity, dtype=np.int64)
    found = 0
    chunks = starts.shape[0]
    query_values = np.empty(chunks, dtype=np.uint32)
    probes = 0
    for chunk in range(chunks):
        probes += mask_counts[radii[chunk]]
    low = np.empty(probes, dtype=np.int64)
    high = np.empty(probes, dtype=np.int64)
    probe_chunk = np.empty(probes, dtype=np.int64)
    rows = np.empty(256, dtype=np.int64)
    row_chunk = np.empty(256, dtype=np.int64)
    flat = words.reshape(words.shape[0] * 4)
    for query in range(queries.shape[0]):
        q0, q1, q2, q3 = queries[query, 0], queries[query, 1], queries[query, 2], queries[query, 3]
        for chunk in range(chunks):
            query_values[chunk] = _chunk(q0, q1, q2, q3, starts[chunk], width)
        slot = 0
        for chunk in range(chunks):
            table = offsets[chunk]
            value = query_values[chunk]
            chunk_probes = mask_counts[radii[chunk]]
            for probe in range(chunk_probes):
                if probe + AHEAD < chunk_probes:
                    _prefetch(table, value ^ masks[probe + AHEAD])
                bucket = value ^ masks[probe]
                low[slot] = table[bucket]
                high[slot] = table[bucket + 1]
                probe_chunk[slot] = chunk
                slot += 1
        total = 0
        for slot in range(probes):
            total += high[slot] - low[slot]
        if total > rows.shape[0]:
            rows = np.empty(total * 2, dtype=np.int64)
            row_chunk = np.empty(total * 2, dtype=np.int64)
        count = 0
        for slot in range(probes):
            ahead = slot + AHEAD
            if ahead < probes:
                _prefetch(ids[probe_chunk[ahead]], low[ahead])
            chunk = probe_chunk[slot]
            column = ids[chunk]
            for position in range(low[slot], high[slot]):
                rows[count] = column[position]
                row_chunk[count] = chunk
                count += 1
        for candidate in range(count):
            ahead = candidate + AHEAD
            if ahead < count:
                _prefetch(flat, rows[ahead] * 4)
            row = rows[candidate]
            distance = _distance(words, row, q0, q1, q2, q3)
            if distance > radius:
                continue
            stored = quality[row]
            if stored == REMOVED or stored < min_quality:
                continue
            chunk = row_chunk[candidate]
            seen = False
            for earlier in range(chunk):
                other = _chunk(
                    words[row, 0],
                    words[row, 1],
                    words[row, 2],
                    words[row, 3],
                    starts[earlier],
                    width,
                )
                if int(_popcount(np.uint64(other ^ query_values[earlier]))) <= radii[earlier]:
                    seen = True
                    break
            if seen:
                continue
            if found == capacity:
                capacity *= 2
                out_query = _grow(out_query, capacity)
                out_row = _grow(out_row, capacity)
                out_distance = _grow(out_distance, capacity)
            out_query[found] = query
            out_row[found] = row
            out_distance[found] = distance
            found += 1
    return out_query[:found], out_row[:found], out_distance[:found]
