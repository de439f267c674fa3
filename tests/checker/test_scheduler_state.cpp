// The scheduler's incremental bookkeeping: vector clocks copied and cleared
// in fixed-size blocks, and the enabled set kept as thread masks (timed
// waiters among the candidates, blocked lock() callers left out).
#include <catch2/catch.hpp>
#include <chrono>

#include "detect/vector_clock.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace {

using weft::rt::vector_clock;

vector_clock clock_up_to(weft::seam::thread_id last) {
  vector_clock c;
  for (weft::seam::thread_id t = 1; t <= last; ++t)
    c.set(t, t * 10);
  return c;
}

// Fails when the spawned thread's timed lock times out (the main thread
// holds the lock across a yield).
void timed_lock_program() {
  weft::mutex m;
  weft::shared<int> x{0};
  weft::thread t([&] {
    if (m.try_lock_for(std::chrono::milliseconds(5))) {
      x.set(1);
      m.unlock();
    }
  });
  m.lock();
  weft::this_thread::yield();
  m.unlock();
  t.join();
  WEFT_ASSERT(x.get() == 1);
}

}  // namespace

TEST_CASE("vector_clock: copies and clears leave no stale entries, small or large",
          "[checker][race]") {
  for (const weft::seam::thread_id big : {3U, 16U, 17U, 40U, 64U}) {
    for (const weft::seam::thread_id small : {0U, 1U, 3U, 16U, 20U}) {
      CAPTURE(big, small);
      vector_clock c = clock_up_to(big);
      c = clock_up_to(small);
      CHECK(c.size() == small);
      for (weft::seam::thread_id t = 1; t <= 64; ++t)
        CHECK(c.get(t) == (t <= small ? t * 10 : 0));
      const vector_clock copy(c);
      CHECK(copy == c);
      c = clock_up_to(big);
      c.clear();
      CHECK(c.size() == 0);
      for (weft::seam::thread_id t = 1; t <= 64; ++t)
        CHECK(c.get(t) == 0);
      c.increment(big);
      CHECK(c.size() == big);
      CHECK(c.get(big) == 1);
    }
  }
}

TEST_CASE("random walk: a timed wait that can time out is a candidate, and the schedule replays",
          "[checker][strategy]") {
  weft::check_options options;
  options.strategy = weft::strategy_kind::random;
  options.executions = 2000;
  const weft::report first = weft::check(timed_lock_program, options);
  REQUIRE_FALSE(first.passed());
  CHECK(first.kind == weft::finding_kind::assertion);
  // The same seed walks the same schedules.
  const weft::report again = weft::check(timed_lock_program, options);
  CHECK(again.token == first.token);
  CHECK(again.statistics.executions == first.statistics.executions);
  const weft::report replayed = weft::replay(timed_lock_program, first.token, options);
  CHECK(replayed.kind == weft::finding_kind::assertion);
  // Without timeouts the wait only ends when the lock is free: it passes.
  options.timeouts = false;
  CHECK(weft::check(timed_lock_program, options).passed());
}
