// What the runtime deadlock detector costs an uncontended lock.
//
//   uncontended/<lock>/<mode>        one thread, lock(); unlock(); ns per pair
//   uncontended_shared/<lock>/<mode> the same with lock_shared(); unlock_shared()
//   nested/<lock>/<mode>             lock() and unlock() of one lock while
//                                    holding another: with the detector on,
//                                    the request looks the held -> this edge
//                                    up in the lock-order graph
//
// <mode>: `off` is the detector compiled in but disabled (the default state
// of every program: one relaxed load and a predictable branch per hook), `on`
// is enabled. For the cost of compiling it in, compare `off` with this
// benchmark built with -DWEFT_DEADLOCK_DETECTOR=OFF (enable() does nothing
// there, so every weft case is the compiled-out lock; the run's context says
// which build it is) or with bench_locks from such a build.
//
// <lock> absl::Mutex (built only when CMake finds Abseil; `nested` holds
// another absl::Mutex, `uncontended_shared` is ReaderLock/ReaderUnlock): the
// baseline, Abseil's own lock-order deadlock detection. `off` is
// absl::OnDeadlockCycle::kIgnore, `on` is kAbort (the default of an Abseil
// built without NDEBUG, such as Debian's; no cycle arises here, so kReport
// would cost the same). Abseil runs that detection only if Abseil itself was
// compiled without NDEBUG: absl_deadlock_probe tells whether the Abseil this
// was linked with does (docs/benchmarks.md, "Deadlock detector").
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

#if WEFT_BENCH_HAVE_ABSL
#include <absl/synchronization/mutex.h>
#endif

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

#if WEFT_BENCH_HAVE_ABSL
// Abseil's mode is process-wide and has no getter: each absl case sets the
// one it measures. Its mutexes are declared after this call, so they are
// destroyed (and, when on, removed from Abseil's graph) under the same mode.
void set_absl_mode(bool on) {
  absl::SetMutexDeadlockDetectionMode(on ? absl::OnDeadlockCycle::kAbort
                                         : absl::OnDeadlockCycle::kIgnore);
}

void absl_uncontended(benchmark::State& state, bool on) {
  set_absl_mode(on);
  absl::Mutex lock;
  for (auto _ : state) {
    lock.Lock();
    benchmark::ClobberMemory();
    lock.Unlock();
  }
}

void absl_uncontended_shared(benchmark::State& state, bool on) {
  set_absl_mode(on);
  absl::Mutex lock;
  for (auto _ : state) {
    lock.ReaderLock();
    benchmark::ClobberMemory();
    lock.ReaderUnlock();
  }
}

void absl_nested(benchmark::State& state, bool on) {
  set_absl_mode(on);
  absl::Mutex outer;
  absl::Mutex inner;
  outer.Lock();
  for (auto _ : state) {
    inner.Lock();
    benchmark::ClobberMemory();
    inner.Unlock();
  }
  outer.Unlock();
}

void register_absl() {
  for (const bool on : {false, true}) {
    const std::string mode = on ? "on" : "off";
    benchmark::RegisterBenchmark(("uncontended/absl::Mutex/" + mode).c_str(),
                                 [on](benchmark::State& s) { absl_uncontended(s, on); });
    benchmark::RegisterBenchmark(("nested/absl::Mutex/" + mode).c_str(),
                                 [on](benchmark::State& s) { absl_nested(s, on); });
    benchmark::RegisterBenchmark(("uncontended_shared/absl::Mutex/" + mode).c_str(),
                                 [on](benchmark::State& s) { absl_uncontended_shared(s, on); });
  }
}
#endif

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
    benchmark::RegisterBenchmark(on ? "uncontended_shared/weft::shared_mutex/on"
                                    : "uncontended_shared/weft::shared_mutex/off",
                                 [on](benchmark::State& s) { uncontended_shared(s, on); });
  }
  benchmark::AddCustomContext("weft_deadlock_detector",
                              WEFT_DEADLOCK_DETECTOR ? "compiled in" : "compiled out");
#if WEFT_BENCH_HAVE_ABSL
  register_absl();
  benchmark::AddCustomContext("absl", "linked (absl::Mutex cases registered)");
#else
  benchmark::AddCustomContext("absl", "not found at configure time (no absl::Mutex cases)");
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
