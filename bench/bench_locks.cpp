// Lock benchmarks: uncontended lock/unlock of weft's locks against std::mutex.
//
// glibc runs pthread mutexes without atomic instructions while a process has
// only ever had one thread, which would make std::mutex look twice as fast as
// it is in any program that needs a mutex. main() therefore starts and joins
// one thread before benchmarking, so every lock is measured as a
// multi-threaded program sees it.
#include <benchmark/benchmark.h>

#include <mutex>
#include <thread>

#include "weft/mutex.hpp"

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

BENCHMARK_TEMPLATE(uncontended_lock_unlock, std::mutex);
BENCHMARK_TEMPLATE(uncontended_lock_unlock, weft::mutex);

}  // namespace

int main(int argc, char** argv) {
  std::thread([] {}).join();  // leave glibc's single-threaded fast path
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
