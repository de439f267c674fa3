// Ending an execution early: threads stopped at a scheduling point are
// unwound (their destructors run) and must not end the process, wherever
// they stopped; in particular inside a destructor, where an exception
// would call std::terminate.
#include <catch2/catch.hpp>
#include <mutex>
#include <vector>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace {

weft::check_options random_walk(std::uint64_t seed, weft::grain grain) {
  weft::check_options o;
  o.seed = seed;
  o.executions = 50;
  o.max_steps = 200;
  o.grain = grain;
  return o;
}

// Joins its thread when it goes out of scope, like std::jthread.
class joiner {
 public:
  explicit joiner(weft::thread& t) : t_(t) {}
  joiner(const joiner&) = delete;
  joiner& operator=(const joiner&) = delete;
  ~joiner() { t_.join(); }

 private:
  weft::thread& t_;
};

}  // namespace

TEST_CASE("unwinding: a livelock stopped inside ~lock_guard's unlock ends cleanly",
          "[checker][unwind]") {
  // Three threads lock and unlock in a loop that never ends: max_steps stops
  // them wherever they are, often inside a lock_guard's destructor.
  const auto test = [] {
    weft::mutex m;
    weft::atomic<bool> stop{false};
    std::vector<weft::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&] {
        while (!stop.load()) {
          const std::lock_guard guard(m);
        }
      });
    }
    for (weft::thread& t : threads)
      t.join();
  };
  for (const weft::grain grain : {weft::grain::scenario, weft::grain::implementation}) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      CAPTURE(seed, grain == weft::grain::scenario);
      const weft::report r = weft::check(test, random_walk(seed, grain));
      REQUIRE_FALSE(r.passed());
      CHECK(r.kind == weft::finding_kind::max_steps);
    }
  }
}

TEST_CASE("unwinding: a livelock stopped inside a destructor's atomic store ends cleanly",
          "[checker][unwind]") {
  // A hand-made spin lock whose guard releases in its destructor.
  struct spin_guard {
    explicit spin_guard(weft::atomic<bool>& f) : flag(f) {
      while (flag.exchange(true, std::memory_order_acquire)) {
      }
    }
    spin_guard(const spin_guard&) = delete;
    spin_guard& operator=(const spin_guard&) = delete;
    ~spin_guard() { flag.store(false, std::memory_order_release); }
    weft::atomic<bool>& flag;
  };
  const auto test = [] {
    weft::atomic<bool> flag{false};
    weft::shared<int> counter{0};
    std::vector<weft::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&] {
        for (;;) {
          const spin_guard guard(flag);
          counter.set(counter.get() + 1);
        }
      });
    }
    for (weft::thread& t : threads)
      t.join();
  };
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    CAPTURE(seed);
    const weft::report r = weft::check(test, random_walk(seed, weft::grain::scenario));
    REQUIRE_FALSE(r.passed());
    CHECK(r.kind == weft::finding_kind::max_steps);
  }
}

TEST_CASE("unwinding: a deadlock reached by a join in a destructor ends cleanly",
          "[checker][unwind]") {
  // The main thread joins (in joiner's destructor) while it holds the lock
  // the child waits for.
  const auto test = [] {
    weft::mutex m;
    weft::thread child([&m] { const std::lock_guard guard(m); });
    const std::lock_guard guard(m);
    const joiner join_child(child);
  };
  const weft::report r = weft::check(test);
  REQUIRE_FALSE(r.passed());
  CHECK(r.kind == weft::finding_kind::deadlock);
  // The unwinding left the checker usable: the next check runs normally.
  const weft::report again = weft::check([] {
    weft::mutex m;
    weft::thread child([&m] { const std::lock_guard guard(m); });
    child.join();
  });
  CHECK(again.passed());
}
