// bench/bench_timing.hpp
//
// Two calibrated instruments for the lock benchmarks:
//
//   * `cheap_clock`: a timestamp cheap enough to take around every lock()
//     call (the TSC on x86: a before/after pair costs ~25 ns on this KVM
//     guest; steady_clock elsewhere), converted to
//     nanoseconds with a factor measured against steady_clock at startup.
//   * `busy_work`: a loop of register-only iterations, calibrated once so that
//     "50 ns of critical section" means 50 ns on the machine that runs it.
//
// Both calibrate() functions must run once, single-threaded, before any
// benchmark (main() does it). Neither touches memory, so they add no cache
// traffic to what the locks themselves cause.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <thread>

#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define WEFT_BENCH_HAVE_TSC 1
#else
#define WEFT_BENCH_HAVE_TSC 0
#endif

namespace weft_bench {

class cheap_clock {
 public:
  // A timestamp to take before the measured operation.
  static std::uint64_t before() noexcept {
#if WEFT_BENCH_HAVE_TSC
    return __rdtsc();
#else
    return steady_ns();
#endif
  }

  // A timestamp to take after it: rdtscp waits until the operation's
  // instructions have executed, so the interval cannot come out short.
  static std::uint64_t after() noexcept {
#if WEFT_BENCH_HAVE_TSC
    unsigned aux = 0;
    return __rdtscp(&aux);
#else
    return steady_ns();
#endif
  }

  // Measures ticks against steady_clock over ~100 ms. The TSC of this
  // machine is invariant (constant_tsc, nonstop_tsc), so one factor holds for
  // the whole run.
  static void calibrate() {
    const auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t c0 = after();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto t1 = std::chrono::steady_clock::now();
    const std::uint64_t c1 = after();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    ns_per_tick_ = ns / static_cast<double>(c1 - c0);

    // What an empty interval measures: the floor under every wait sample.
    std::uint64_t best = UINT64_MAX;
    for (int i = 0; i < 100'000; ++i) {
      const std::uint64_t a = before();
      const std::uint64_t b = after();
      best = std::min(best, b - a);
    }
    overhead_ns_ = to_ns(best);
  }

  // The shortest interval the clock can report (about the cost of one
  // before()/after() pair); published with the results so that short waits
  // can be read against it.
  static double overhead_ns() noexcept {
    return overhead_ns_;
  }

  static double ns_per_tick() noexcept {
    return ns_per_tick_;
  }
  static double to_ns(std::uint64_t ticks) noexcept {
    return static_cast<double>(ticks) * ns_per_tick_;
  }

 private:
  static std::uint64_t steady_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
  }

  static inline double ns_per_tick_ = 1.0;
  static inline double overhead_ns_ = 0.0;
};

class busy_work {
 public:
  // Spins `iterations` times without touching memory. The empty asm makes
  // the counter opaque, so the compiler can neither delete nor fold the loop.
  //
  // Never inlined, and aligned: the loop's speed depends on where its code
  // lands (on this CPU a loop whose fused compare-and-branch straddles a
  // 32-byte boundary ran 2.5x slower), so calibration and every benchmark
  // must run the very same instance of it. The call (~1 ns) is part of the
  // work.
  [[gnu::noinline, gnu::aligned(64)]] static void run(std::uint64_t iterations) noexcept {
    for (std::uint64_t i = 0; i < iterations; ++i) {
      __asm__ volatile("" : "+r"(i));
    }
  }

  // Times the loop over many short rounds and keeps the median rate. Each
  // round is timed in thread CPU time, so a round during which another
  // process preempted us (this machine is shared) is not mistaken for a slow
  // loop. The host's speed still drifts (seen: 1.1 to 2.9 iterations per ns
  // within half an hour on this VM), so "50 ns" is 50 ns at calibration
  // time, within that drift; every lock of a run shares one calibration, so
  // the ratios between them are unaffected.
  static void calibrate() {
    constexpr std::uint64_t count = 2'000'000;
    constexpr int rounds = 21;
    std::array<double, rounds> rate{};
    for (double& r : rate) {
      const double t0 = thread_cpu_ns();
      run(count);
      r = static_cast<double>(count) / (thread_cpu_ns() - t0);
    }
    std::sort(rate.begin(), rate.end());
    iterations_per_ns_ = rate[rounds / 2];
  }

  static double iterations_per_ns() noexcept { return iterations_per_ns_; }

  // At least one iteration, so that "1 ns" is the shortest section the loop
  // can express rather than none at all.
  static std::uint64_t iterations_for_ns(double ns) noexcept {
    return std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::llround(ns * iterations_per_ns_)));
  }

 private:
  static double thread_cpu_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  }

  static inline double iterations_per_ns_ = 1.0;
};

}  // namespace weft_bench
