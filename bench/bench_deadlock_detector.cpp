// What the runtime deadlock detector costs an uncontended lock.
//
//   uncontended/<lock>/<mode>        one thread, lock(); unlock(); ns per pair
//   uncontended_shared/<mode>        the same with lock_shared(); unlock_shared()
//   nested/<lock>/<mode>             lock() and unlock() of one lock while
//                                    holding another: with the detector on,
//                                    the request looks the held -> this edge
//                                    up in the lock-order graph
//
// <mode>: `off` is the detector compiled in but disabled (the default state
// of every program: one relaxed load and a predictable branch per hook), `on`
// is enabled. Compare `off` with bench_locks' numbers from a build with
// -DWEFT_DEADLOCK_DETECTOR=OFF for the cost of compiling it in.
//
// As in bench_locks, main() starts and joins a thread first so that the
// std::mutex inside the detector is measured as a multi-threaded program
// sees it.
#include <benchmark/benchmark.h>

#include <string>
#include <thread>

#include "weft/deadlock_detector.hpp"
#include "weft/mutex.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/spin_lock.hpp"
#include "weft/ticket_lock.hpp"

namespace {

namespace dd = weft::deadlock_detector;

// Turns the detector on for one benchmark run, if asked.
class detector_mode {
 public:
  explicit detector_mode(bool on) : on_(on) {
    if (on_ && !dd::enable()) on_ = false;
  }
  detector_mode(const detector_mode&) = delete;
  detector_mode& operator=(const detector_mode&) = delete;
  ~detector_mode() {
    if (on_) dd::disable();
  }

 private:
  bool on_;
};

template <typename Lock>
void uncontended(benchmark::State& state, bool on) {
  detector_mode mode(on);
  Lock lock;
  for (auto _ : state) {
    lock.lock();
    benchmark::ClobberMemory();
    lock.unlock();
  }
}

void uncontended_shared(benchmark::State& state, bool on) {
  detector_mode mode(on);
  weft::shared_mutex lock;
  for (auto _ : state) {
    lock.lock_shared();
    benchmark::ClobberMemory();
    lock.unlock_shared();
  }
}

template <typename Lock>
void nested(benchmark::State& state, bool on) {
  detector_mode mode(on);
  Lock outer;
  Lock inner;
  outer.lock();
  for (auto _ : state) {
    inner.lock();
    benchmark::ClobberMemory();
    inner.unlock();
  }
  outer.unlock();
}

template <typename Lock>
void register_lock(const std::string& name) {
  for (const bool on : {false, true}) {
    const std::string mode = on ? "on" : "off";
    benchmark::RegisterBenchmark(("uncontended/" + name + "/" + mode).c_str(),
                                 [on](benchmark::State& s) { uncontended<Lock>(s, on); });
    benchmark::RegisterBenchmark(("nested/" + name + "/" + mode).c_str(),
                                 [on](benchmark::State& s) { nested<Lock>(s, on); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::thread([] {}).join();  // leave glibc's single-threaded fast path
  register_lock<weft::mutex>("weft::mutex");
  register_lock<weft::spin_lock>("weft::spin_lock");
  register_lock<weft::ticket_lock>("weft::ticket_lock");
  register_lock<weft::shared_mutex>("weft::shared_mutex");
  for (const bool on : {false, true}) {
    benchmark::RegisterBenchmark(on ? "uncontended_shared/on" : "uncontended_shared/off",
                                 [on](benchmark::State& s) { uncontended_shared(s, on); });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
