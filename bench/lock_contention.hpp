// bench/lock_contention.hpp
//
// A contention harness generic over the lock type: N threads hammer one lock
// for a fixed wall-clock time, and the run reports throughput, fairness and
// the distribution of the time each lock() call waited.
//
//   weft_bench::contention_config config{.threads = 4, .critical_ns = 50};
//   auto result = weft_bench::run_exclusive<weft::mutex>(config);
//   weft_bench::report(state, result, /*read_mostly=*/false);
//
// Each worker loops until the stop flag:
//
//   t0 = clock; lock(); t1 = clock;            wait sample = t1 - t0
//   ++guarded counter; busy_work(critical_ns);  the critical section
//   unlock();
//   busy_work(local_ns);                        non-critical work
//
// Load rule: local_ns = critical_ns x threads. With n threads each spending
// c inside and n*c outside, the lock is demanded n*c / (c + n*c) = n/(n+1) of
// the time (50% at 1 thread, 89% at 8) before lock overhead, so the lock is
// busy but not saturated by construction; how close a lock gets to that
// bound, and what its waiters pay, is what is measured. At critical_ns = 1
// the lock's own overhead dominates and every lock is saturated.
//
// Why our own std::threads inside a one-iteration benchmark, and not
// Google Benchmark's ->Threads(n): with ->Threads(n) every thread runs the
// same number of iterations, so a fairness measurement is impossible by
// construction, and threads that finish early stop contending, so the tail
// of each run is less contended than its start. Here all threads contend for
// the same wall-clock window, each records every wait into a buffer that was
// allocated and touched before the run (no allocation or page fault during
// it), and the buffers are merged for exact percentiles afterwards. The
// benchmark uses manual time (the window) and items = acquisitions, so
// items_per_second is the throughput.
//
// The guarded counter lives on its own cache line, away from the lock, so
// the numbers are the lock's and not false sharing's. After the run it must
// equal the number of exclusive acquisitions: a cheap check that the lock
// excluded.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_timing.hpp"

namespace weft_bench {

// The benchmark name of a lock type: weft's own name, or a specialisation.
template <typename Lock>
inline std::string lock_name() {
  return std::string(Lock::type_name);
}

struct contention_config {
  int threads = 1;
  double critical_ns = 50;
  // Fraction of operations that take the lock exclusively; only
  // run_read_mostly uses it (run_exclusive: every operation is exclusive).
  double write_fraction = 1.0;
  std::chrono::milliseconds duration{200};
};

struct wait_summary {
  std::uint64_t samples = 0;
  double p50_ns = 0;
  double p99_ns = 0;
  double max_ns = 0;
};

struct contention_result {
  std::uint64_t acquisitions = 0;
  std::uint64_t writes = 0;
  double seconds = 0;
  double min_share = 0;  // fewest acquisitions of a thread / fair share
  double max_share = 0;  // most acquisitions of a thread / fair share
  wait_summary wait;     // all acquisitions
  wait_summary read_wait;
  wait_summary write_wait;
  std::uint64_t samples_dropped = 0;
  bool excluded = true;  // guarded counter == exclusive acquisitions
};

namespace internal {

// A wait sample: ticks in the low 31 bits (saturating, ~1 s at 2 GHz, far
// beyond any run's window), the top bit set for an exclusive acquisition.
inline constexpr std::uint32_t write_flag = 0x8000'0000U;
inline constexpr std::uint32_t tick_mask = 0x7fff'ffffU;

inline std::uint32_t encode(std::uint64_t ticks, bool write) noexcept {
  const std::uint32_t t = ticks > tick_mask ? tick_mask : static_cast<std::uint32_t>(ticks);
  return write ? (t | write_flag) : t;
}

// One worker's results, padded so that workers never share a cache line.
struct alignas(128) worker_slot {
  std::vector<std::uint32_t> samples;  // sized and touched before any run
  std::size_t recorded = 0;
  std::uint64_t acquisitions = 0;
  std::uint64_t writes = 0;
};

// Samples per worker per millisecond of window: one per 20 ns, more than
// the fastest loop (uncontended, ~30 ns per iteration with both clock reads).
// Beyond this, waits are counted but not recorded (reported as
// samples_dropped, never silently).
inline constexpr std::size_t samples_per_ms = 50'000;

// Worker buffers outlive a single run and are reused, so each is allocated
// and faulted in once per process rather than once per configuration.
inline std::vector<std::unique_ptr<worker_slot>>& slot_pool() {
  static std::vector<std::unique_ptr<worker_slot>> pool;
  return pool;
}

inline void prepare_slots(int threads, std::chrono::milliseconds duration) {
  auto& pool = slot_pool();
  const std::size_t capacity = samples_per_ms * static_cast<std::size_t>(duration.count());
  while (pool.size() < static_cast<std::size_t>(threads)) {
    pool.push_back(std::make_unique<worker_slot>());
  }
  for (int i = 0; i < threads; ++i) {
    worker_slot& slot = *pool[static_cast<std::size_t>(i)];
    if (slot.samples.size() < capacity) slot.samples.assign(capacity, 0);  // touches every page
    slot.recorded = 0;
    slot.acquisitions = 0;
    slot.writes = 0;
  }
}

inline double percentile_ns(std::vector<std::uint32_t>::iterator first,
                            std::vector<std::uint32_t>::iterator last, double q) {
  const auto n = static_cast<std::size_t>(last - first);
  if (n == 0) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n) - 1;
  std::nth_element(first, first + static_cast<std::ptrdiff_t>(rank), last);
  return cheap_clock::to_ns(first[static_cast<std::ptrdiff_t>(rank)] & tick_mask);
}

inline wait_summary summarize(std::vector<std::uint32_t>::iterator first,
                              std::vector<std::uint32_t>::iterator last) {
  wait_summary s;
  s.samples = static_cast<std::uint64_t>(last - first);
  if (s.samples == 0) return s;
  std::uint32_t max_ticks = 0;
  for (auto it = first; it != last; ++it)
    max_ticks = std::max(max_ticks, *it & tick_mask);
  s.max_ns = cheap_clock::to_ns(max_ticks);
  s.p99_ns = percentile_ns(first, last, 0.99);
  s.p50_ns = percentile_ns(first, last, 0.50);
  return s;
}

// Starts `threads` workers, releases them together, lets them run for the
// window, stops them and merges their slots.
template <typename Body>
contention_result run_workers(const contention_config& config, Body&& body,
                              const std::uint64_t& guarded) {
  prepare_slots(config.threads, config.duration);
  auto& pool = slot_pool();

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(config.threads));
  for (int i = 0; i < config.threads; ++i) {
    workers.emplace_back([&, i] {
      ready.fetch_add(1, std::memory_order_relaxed);
      go.wait(false, std::memory_order_acquire);
      body(*pool[static_cast<std::size_t>(i)], stop, static_cast<unsigned>(i));
    });
  }
  while (ready.load(std::memory_order_relaxed) < config.threads)
    std::this_thread::yield();

  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  go.notify_all();
  std::this_thread::sleep_for(config.duration);
  stop.store(true, std::memory_order_relaxed);
  const auto end = std::chrono::steady_clock::now();
  for (auto& w : workers)
    w.join();

  contention_result r;
  r.seconds = std::chrono::duration<double>(end - start).count();
  std::uint64_t min_acq = UINT64_MAX;
  std::uint64_t max_acq = 0;
  std::size_t recorded = 0;
  for (int i = 0; i < config.threads; ++i) {
    const worker_slot& slot = *pool[static_cast<std::size_t>(i)];
    r.acquisitions += slot.acquisitions;
    r.writes += slot.writes;
    min_acq = std::min(min_acq, slot.acquisitions);
    max_acq = std::max(max_acq, slot.acquisitions);
    recorded += slot.recorded;
  }
  r.samples_dropped = r.acquisitions - recorded;
  const double fair = static_cast<double>(r.acquisitions) / config.threads;
  r.min_share = fair > 0 ? static_cast<double>(min_acq) / fair : 0;
  r.max_share = fair > 0 ? static_cast<double>(max_acq) / fair : 0;
  r.excluded = guarded == r.writes;

  // The merge buffer is reused across runs like the slots.
  static std::vector<std::uint32_t> merged;
  merged.clear();
  merged.reserve(recorded);
  for (int i = 0; i < config.threads; ++i) {
    const worker_slot& slot = *pool[static_cast<std::size_t>(i)];
    merged.insert(merged.end(), slot.samples.begin(),
                  slot.samples.begin() + static_cast<std::ptrdiff_t>(slot.recorded));
  }
  // Split by kind first: within each kind the flag is uniform, so raw order
  // is wait order. Then strip the flags for the summary over all samples.
  const auto reads_end = std::partition(merged.begin(), merged.end(),
                                        [](std::uint32_t s) { return (s & write_flag) == 0; });
  r.read_wait = summarize(merged.begin(), reads_end);
  r.write_wait = summarize(reads_end, merged.end());
  for (std::uint32_t& s : merged)
    s &= tick_mask;
  r.wait = summarize(merged.begin(), merged.end());
  return r;
}

// The lock under test and the data it guards, on separate cache lines.
template <typename Lock>
struct guarded_lock {
  alignas(128) Lock lock;
  alignas(128) std::uint64_t counter = 0;
};

// A tiny per-thread generator for the read/write choice (xorshift64).
class xorshift {
 public:
  explicit xorshift(std::uint64_t seed) noexcept : s_(seed * 0x9E37'79B9'7F4A'7C15ULL + 1) {}
  std::uint64_t next() noexcept {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }

 private:
  std::uint64_t s_;
};

}  // namespace internal

// Every operation takes the lock exclusively (lock/unlock).
template <typename Lock>
contention_result run_exclusive(const contention_config& config) {
  auto shared = std::make_unique<internal::guarded_lock<Lock>>();
  const std::uint64_t critical_iters = busy_work::iterations_for_ns(config.critical_ns);
  const std::uint64_t local_iters =
      busy_work::iterations_for_ns(config.critical_ns * config.threads);
  return internal::run_workers(
      config,
      [&](internal::worker_slot& slot, const std::atomic<bool>& stop, unsigned) {
        Lock& lock = shared->lock;
        std::uint64_t& counter = shared->counter;
        std::uint32_t* const out = slot.samples.data();
        const std::size_t capacity = slot.samples.size();
        std::size_t recorded = 0;
        std::uint64_t count = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          const std::uint64_t t0 = cheap_clock::before();
          lock.lock();
          const std::uint64_t t1 = cheap_clock::after();
          ++counter;
          busy_work::run(critical_iters);
          lock.unlock();
          ++count;
          if (recorded < capacity) out[recorded++] = internal::encode(t1 - t0, true);
          busy_work::run(local_iters);
        }
        slot.acquisitions = count;
        slot.writes = count;
        slot.recorded = recorded;
      },
      shared->counter);
}

// A `write_fraction` of operations take the lock exclusively and increment
// the guarded counter; the rest take it shared and read the counter. Both
// hold it for critical_ns. The choice is a per-thread pseudo-random draw,
// seeded by thread index, so every lock sees the same sequence.
template <typename SharedLock>
contention_result run_read_mostly(const contention_config& config) {
  auto shared = std::make_unique<internal::guarded_lock<SharedLock>>();
  const std::uint64_t critical_iters = busy_work::iterations_for_ns(config.critical_ns);
  const std::uint64_t local_iters =
      busy_work::iterations_for_ns(config.critical_ns * config.threads);
  const auto write_threshold = static_cast<std::uint64_t>(config.write_fraction * 1024.0);
  return internal::run_workers(
      config,
      [&](internal::worker_slot& slot, const std::atomic<bool>& stop, unsigned index) {
        internal::xorshift rng(index + 1);
        SharedLock& lock = shared->lock;
        std::uint64_t& counter = shared->counter;
        std::uint32_t* const out = slot.samples.data();
        const std::size_t capacity = slot.samples.size();
        std::size_t recorded = 0;
        std::uint64_t count = 0;
        std::uint64_t writes = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          const bool write = (rng.next() & 1023U) < write_threshold;
          const std::uint64_t t0 = cheap_clock::before();
          if (write) {
            lock.lock();
          } else {
            lock.lock_shared();
          }
          const std::uint64_t t1 = cheap_clock::after();
          if (write) {
            ++counter;
            busy_work::run(critical_iters);
            lock.unlock();
            ++writes;
          } else {
            const std::uint64_t seen = counter;
            benchmark::DoNotOptimize(seen);
            busy_work::run(critical_iters);
            lock.unlock_shared();
          }
          ++count;
          if (recorded < capacity) out[recorded++] = internal::encode(t1 - t0, write);
          busy_work::run(local_iters);
        }
        slot.acquisitions = count;
        slot.writes = writes;
        slot.recorded = recorded;
      },
      shared->counter);
}

// Publishes a result: manual time = the window, items = acquisitions (so
// items_per_second is the throughput), the rest as counters. Fails the
// benchmark if the lock let two writers in at once.
inline void report(benchmark::State& state, const contention_result& r, bool read_mostly) {
  if (!r.excluded) {
    state.SkipWithError("guarded counter mismatch: the lock did not exclude");
    return;
  }
  state.SetIterationTime(r.seconds);
  state.SetItemsProcessed(static_cast<std::int64_t>(r.acquisitions));
  state.counters["fair_min"] = r.min_share;
  state.counters["fair_max"] = r.max_share;
  state.counters["wait_p50_ns"] = r.wait.p50_ns;
  state.counters["wait_p99_ns"] = r.wait.p99_ns;
  state.counters["wait_max_ns"] = r.wait.max_ns;
  if (read_mostly) {
    state.counters["rd_p99_ns"] = r.read_wait.p99_ns;
    state.counters["wr_p99_ns"] = r.write_wait.p99_ns;
    state.counters["wr_max_ns"] = r.write_wait.max_ns;
  }
  if (r.samples_dropped != 0) {
    state.counters["samples_dropped"] = static_cast<double>(r.samples_dropped);
  }
}

}  // namespace weft_bench
