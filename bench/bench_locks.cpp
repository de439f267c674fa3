// Lock benchmarks: weft's locks against the standard library's, measured in
// the same run.
//
//   uncontended_lock_unlock<L>   one thread, lock(); unlock(); ns per pair
//   uncontended_lock_shared_unlock_shared<L>
//                                the same with lock_shared(); unlock_shared()
//   contended/cs_ns:C/threads:N/L
//                                N threads, critical sections of C ns,
//                                local work C*N ns between acquisitions
//                                (see bench/lock_contention.hpp)
//   read_mostly/cs_ns:C/threads:N/L
//                                the same with ~90% lock_shared() and ~10%
//                                lock() (102 in 1024) on a shared mutex
//
// glibc runs pthread mutexes without atomic instructions while a process has
// only ever had one thread, which would make std::mutex look twice as fast as
// it is in any program that needs a mutex. main() therefore starts and joins
// one thread before benchmarking, so every lock is measured as a
// multi-threaded program sees it.
//
// Extra flag (before Google Benchmark's own): --weft_window_ms=N sets the
// wall-clock window of each contended configuration (default 200).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "lock_contention.hpp"
#include "weft/mutex.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/spin_lock.hpp"
#include "weft/ticket_lock.hpp"

template <>
inline std::string weft_bench::lock_name<std::mutex>() {
  return "std::mutex";
}
template <>
inline std::string weft_bench::lock_name<std::shared_mutex>() {
  return "std::shared_mutex";
}

namespace {

template <typename Lock>
void uncontended_lock_unlock(benchmark::State& state) {
  Lock lock;
  for (auto _ : state) {
    lock.lock();
    benchmark::ClobberMemory();
    lock.unlock();
  }
}

template <typename SharedLock>
void uncontended_lock_shared_unlock_shared(benchmark::State& state) {
  SharedLock lock;
  for (auto _ : state) {
    lock.lock_shared();
    benchmark::ClobberMemory();
    lock.unlock_shared();
  }
}

BENCHMARK_TEMPLATE(uncontended_lock_unlock, std::mutex);
BENCHMARK_TEMPLATE(uncontended_lock_unlock, weft::mutex);
BENCHMARK_TEMPLATE(uncontended_lock_unlock, weft::spin_lock);
BENCHMARK_TEMPLATE(uncontended_lock_unlock, weft::ticket_lock);
BENCHMARK_TEMPLATE(uncontended_lock_unlock, std::shared_mutex);
BENCHMARK_TEMPLATE(uncontended_lock_unlock, weft::shared_mutex);
BENCHMARK_TEMPLATE(uncontended_lock_shared_unlock_shared, std::shared_mutex);
BENCHMARK_TEMPLATE(uncontended_lock_shared_unlock_shared, weft::shared_mutex);

constexpr int thread_counts[] = {1, 2, 4, 8};

template <typename... Locks>
struct lock_list {};

// Registers one benchmark per (critical section, thread count, lock), in
// that order, so that the locks of one configuration run next to each other
// in time and share whatever else the machine was doing then. (With
// --benchmark_enable_random_interleaving, as docs/benchmarks.md runs it,
// the repetitions of all configurations are shuffled instead, which spreads
// a noisy neighbour over every lock alike.)
//
// The CPU column of these benchmarks is the main thread's, which only sets
// up, sleeps through the window and merges samples: ignore it.
template <bool ReadMostly, typename... Locks>
void register_family(const char* family, lock_list<Locks...>, std::initializer_list<double> cs_ns,
                     double write_fraction, std::chrono::milliseconds window) {
  for (const double cs : cs_ns) {
    for (const int threads : thread_counts) {
      const weft_bench::contention_config config{threads, cs, write_fraction, window};
      auto register_one = [&]<typename Lock>() {
        const std::string name =
            std::string(family) + "/cs_ns:" + std::to_string(static_cast<int>(cs)) +
            "/threads:" + std::to_string(threads) + "/" + weft_bench::lock_name<Lock>();
        benchmark::RegisterBenchmark(
            name.c_str(),
            [config](benchmark::State& state) {
              for (auto _ : state) {
                if constexpr (ReadMostly) {
                  weft_bench::report(state, weft_bench::run_read_mostly<Lock>(config), true);
                } else {
                  weft_bench::report(state, weft_bench::run_exclusive<Lock>(config), false);
                }
              }
            })
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      };
      (register_one.template operator()<Locks>(), ...);
    }
  }
}

// Removes --weft_window_ms=N from argv (Google Benchmark rejects flags it
// does not know) and returns N, or the default.
std::chrono::milliseconds take_window_flag(int& argc, char** argv) {
  constexpr const char* prefix = "--weft_window_ms=";
  std::chrono::milliseconds window{200};
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) {
      window = std::chrono::milliseconds(std::max(1, std::atoi(argv[i] + std::strlen(prefix))));
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return window;
}

}  // namespace

int main(int argc, char** argv) {
  std::thread([] {}).join();  // leave glibc's single-threaded fast path
  const std::chrono::milliseconds window = take_window_flag(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  weft_bench::cheap_clock::calibrate();
  weft_bench::busy_work::calibrate();
  benchmark::AddCustomContext("weft_window_ms", std::to_string(window.count()));
  benchmark::AddCustomContext("clock_ns_per_tick",
                              std::to_string(weft_bench::cheap_clock::ns_per_tick()));
  benchmark::AddCustomContext("clock_overhead_ns",
                              std::to_string(weft_bench::cheap_clock::overhead_ns()));
  benchmark::AddCustomContext("busy_work_iterations_per_ns",
                              std::to_string(weft_bench::busy_work::iterations_per_ns()));

  register_family<false>("contended",
                         lock_list<std::mutex, weft::mutex, weft::spin_lock, weft::ticket_lock>{},
                         {1, 50, 2000}, 1.0, window);
  register_family<true>("read_mostly", lock_list<std::shared_mutex, weft::shared_mutex>{},
                        {50, 2000}, 0.1, window);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
