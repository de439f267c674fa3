// `weft run SCENARIO.VARIANT`: the variant natively, on real threads, once,
// at its native size (or --threads / --iterations). What can watch it here:
// ThreadSanitizer (in a tsan build), weft's runtime deadlock detector, the
// WEFT_ASSERTs, and a watchdog for runs that stop making progress.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "selection.hpp"
#include "time_limit.hpp"
#include "weft/deadlock_detector.hpp"
#include "weft/internal/wait_for_graph.hpp"  // format_location

namespace weft::cli {

namespace {

std::atomic<std::uint64_t> g_assert_failures{0};
// Lock-order inversions the runtime detector reported (potential deadlocks:
// the run did not deadlock, but the same locks were taken in orders that can).
std::atomic<std::uint64_t> g_lock_order_warnings{0};

// Natively a failed WEFT_ASSERT is counted and the run goes on; the first
// few are printed.
void count_assert_failure(const char* expression, weft::source_location where) {
  const std::uint64_t n = g_assert_failures.fetch_add(1) + 1;
  if (n <= 5) {
    std::fprintf(stderr, "weft run: WEFT_ASSERT(%s) failed at %s\n", expression,
                 weft::internal::format_location(where).c_str());
  }
}

// Ends the process from a thread other than the stuck ones: nothing can
// unblock them, so nothing is unwound.
[[noreturn]] void give_up(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(exit_found);
}

// Gives up when the run has not finished by the deadline.
class watchdog {
 public:
  watchdog(std::chrono::milliseconds limit, std::string name)
      : thread_([this, limit, name = std::move(name)] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            give_up("weft run: " + name + " did not finish within " +
                    std::to_string(limit.count()) +
                    " ms: no progress (a lost wake-up, a livelock, or a deadlock the detector "
                    "cannot see, such as one on a condition variable; try weft check " +
                    name + ")");
          }
        }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

int run_command(const run_args& args) {
  std::string error;
  const std::optional<selected> which = select_one(args.name, error);
  if (!which) {
    std::cerr << "weft run: " << error << "\n";
    return exit_bad_input;
  }
  const scenarios::scenario& s = *which->scenario;
  const scenarios::variant& v = *which->variant;
  scenarios::parameters size = v.native_size;
  if (args.threads) size.threads = *args.threads;
  if (args.iterations) size.iterations = *args.iterations;
  if (size.threads < s.limits.min_threads || size.threads > s.limits.max_threads) {
    std::cerr << "weft run: --threads must be between " << s.limits.min_threads << " and "
              << s.limits.max_threads << " for " << s.name << " (" << s.parameters_help << ")\n";
    return exit_bad_input;
  }
  if (size.iterations < s.limits.min_iterations || size.iterations > s.limits.max_iterations) {
    std::cerr << "weft run: --iterations must be between " << s.limits.min_iterations << " and "
              << s.limits.max_iterations << " for " << s.name << " (" << s.parameters_help << ")\n";
    return exit_bad_input;
  }
  const std::optional<std::chrono::milliseconds> timeout = parse_duration(args.timeout);
  if (!timeout) {
    std::cerr << "weft run: --timeout must be a positive duration such as 30s, 500ms or 2m, not '"
              << args.timeout << "'\n";
    return exit_bad_input;
  }

  if (args.detector) {
    deadlock_detector::options options;
    options.on_deadlock = deadlock_detector::reaction::report;
    options.callback = [name = which->name()](const deadlock_detector::report& r) {
      if (r.kind == deadlock_detector::report_kind::deadlock) {
        give_up("weft run: " + name + " deadlocked (weft's runtime deadlock detector):\n" +
                deadlock_detector::to_text(r));
      }
      if (r.kind == deadlock_detector::report_kind::lock_order_inversion)
        g_lock_order_warnings.fetch_add(1);
      std::fprintf(stderr, "weft run: warning: %s\n", deadlock_detector::to_text(r).c_str());
    };
    if (!deadlock_detector::enable(std::move(options))) {
      std::cerr << "weft run: note: this weft was built without the deadlock detector; a "
                   "deadlock ends at --timeout\n";
    }
  }
  const native_assert_handler previous = set_native_assert_handler(count_assert_failure);
  std::cout << "weft run: " << which->name() << " natively, threads=" << size.threads
            << " iterations=" << size.iterations << std::endl;
  const auto start = std::chrono::steady_clock::now();
  {
    const watchdog guard(*timeout, which->name());
    v.body(size);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  set_native_assert_handler(previous);
  if (args.detector) deadlock_detector::disable();

  const std::uint64_t failures = g_assert_failures.load();
  std::printf("weft run: finished in %.3f s; %llu WEFT_ASSERT failure(s)\n", seconds,
              static_cast<unsigned long long>(failures));
  const std::uint64_t inversions = g_lock_order_warnings.load();
  if (inversions != 0) {
    // A warning, not a failure (exit status 0): the detector cannot see
    // what else orders the threads (a semaphore that keeps them apart, say).
    std::printf(
        "weft run: the runtime deadlock detector saw %llu lock-order inversion(s) (potential "
        "deadlocks; see the warnings above), though this run did not deadlock\n",
        static_cast<unsigned long long>(inversions));
  } else if (failures == 0 && v.buggy()) {
    std::printf(
        "weft run: this run did not show the bug (expected under weft check: %s); native runs "
        "see only the interleavings the machine happens to produce\n",
        describe(v.expected).c_str());
  }
  return failures == 0 ? exit_ok : exit_found;
}

}  // namespace weft::cli
