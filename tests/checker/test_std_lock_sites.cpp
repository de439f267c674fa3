// Locks taken through std::lock_guard, std::unique_lock, std::scoped_lock and
// std::shared_lock are reported at the lines of this file, not of the
// standard library's headers (weft/internal/std_lock_sites.hpp).
#include <catch2/catch.hpp>

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/thread.hpp"

namespace {

// This file as reports name it, and a line of it.
constexpr const char* this_file = "test_std_lock_sites.cpp";
std::string at(int line) {
  return std::string(this_file) + ":" + std::to_string(line);
}

// Takes `first`, then `second`, each through a std::lock_guard, on
// lock_guard_line and the line after it.
constexpr int lock_guard_line = __LINE__ + 2;
void nest_with_lock_guards(weft::mutex& first, weft::mutex& second) {
  const std::lock_guard hold_first(first);
  const std::lock_guard hold_second(second);
}

// Takes `first` through a std::unique_lock, lets it go and takes it again,
// then takes `second` through a deferred std::unique_lock. The lines, from
// unique_lock_line on: construct, unlock, relock, defer, lock.
constexpr int unique_lock_line = __LINE__ + 2;
void nest_with_unique_locks(weft::mutex& first, weft::mutex& second) {
  std::unique_lock hold_first(first);
  hold_first.unlock();
  hold_first.lock();
  std::unique_lock hold_second(second, std::defer_lock);
  hold_second.lock();
}

using nesting = void (*)(weft::mutex&, weft::mutex&);

// Two threads nest two mutexes in opposite orders: at the same time (a
// deadlock in some interleavings), or one after the other (never a
// deadlock; still a lock-order inversion).
void opposite_orders(nesting nest, bool one_after_the_other) {
  weft::mutex a;
  weft::mutex b;
  weft::thread first([&] { nest(a, b); });
  if (one_after_the_other) first.join();
  weft::thread second([&] { nest(b, a); });
  if (!one_after_the_other) first.join();
  second.join();
}

// The lines of the trace's steps of `operation` on this file; a step on
// another file counts as line 0.
std::vector<int> lines_of(const weft::report& r, const std::string& operation) {
  std::vector<int> lines;
  for (const weft::trace_step& s : r.trace) {
    if (s.operation != operation) continue;
    lines.push_back(s.file == this_file ? static_cast<int>(s.line) : 0);
  }
  return lines;
}

// How many of the report's details say a thread is blocked at `blocked` on
// a lock another thread took at `taken`.
int blocked_lines(const weft::report& r, int blocked, int taken) {
  int matches = 0;
  for (const std::string& d : r.details) {
    if (d.find("at " + at(blocked) + "; thread ") != std::string::npos &&
        d.find(" took it at " + at(taken)) != std::string::npos) {
      ++matches;
    }
  }
  return matches;
}

}  // namespace

TEST_CASE("std lock sites: a deadlock through std::lock_guard names the guards' lines",
          "[checker][std_lock_sites]") {
  const weft::report r = weft::check([] { opposite_orders(nest_with_lock_guards, false); });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  // Each thread waits at its second guard for the lock the other took at
  // its first.
  CHECK(blocked_lines(r, lock_guard_line + 1, lock_guard_line) == 2);
  const std::vector<int> locks = lines_of(r, "weft::mutex::lock");
  CHECK(locks.size() >= 2);
  for (const int line : locks) {
    CHECK((line == lock_guard_line || line == lock_guard_line + 1));
  }
  CHECK_THAT(weft::to_string(r), !Catch::Contains("std_mutex.h"));
}

TEST_CASE("std lock sites: a deadlock through std::unique_lock names the calls' lines",
          "[checker][std_lock_sites]") {
  const weft::report r = weft::check([] { opposite_orders(nest_with_unique_locks, false); });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  // Blocked in the deferred guard's lock(), on a lock the other thread took
  // again in its relock.
  CHECK(blocked_lines(r, unique_lock_line + 4, unique_lock_line + 2) == 2);
  for (const int line : lines_of(r, "weft::mutex::lock")) {
    CHECK(
        (line == unique_lock_line || line == unique_lock_line + 2 || line == unique_lock_line + 4));
  }
  CHECK_THAT(weft::to_string(r), !Catch::Contains("unique_lock.h"));
}

TEST_CASE("std lock sites: a lock-order warning names the guards' lines",
          "[checker][std_lock_sites]") {
  SECTION("std::lock_guard") {
    const weft::report r = weft::check([] { opposite_orders(nest_with_lock_guards, true); });
    INFO(weft::to_string(r));
    CHECK(r.passed());
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Catch::Contains("lock-order inversion") &&
                                  Catch::Contains("(at " + at(lock_guard_line) + ") then mutex#") &&
                                  Catch::Contains("(at " + at(lock_guard_line + 1) + ")"));
  }
  SECTION("std::unique_lock") {
    const weft::report r = weft::check([] { opposite_orders(nest_with_unique_locks, true); });
    INFO(weft::to_string(r));
    CHECK(r.passed());
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0],
               Catch::Contains("(at " + at(unique_lock_line + 2) + ") then mutex#") &&
                   Catch::Contains("(at " + at(unique_lock_line + 4) + ")"));
  }
}

TEST_CASE("std lock sites: a guard's unlocks are at unlock() or where it last took the lock",
          "[checker][std_lock_sites]") {
  weft::check_options o;
  o.lock_order = weft::lock_order_policy::fail;  // for the trace of the inversion
  const weft::report r = weft::check([] { opposite_orders(nest_with_unique_locks, true); }, o);
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::lock_order_inversion);
  // The first thread, whole: unlock() on its own line; then the destructors
  // (second guard, then first) at the lines that took the locks.
  const std::vector<int> unlocks = lines_of(r, "weft::mutex::unlock");
  REQUIRE(unlocks.size() >= 3);
  CHECK(unlocks[0] == unique_lock_line + 1);
  CHECK(unlocks[1] == unique_lock_line + 4);
  CHECK(unlocks[2] == unique_lock_line + 2);
}

namespace {

// Reads under `shared`, then writes under `exclusive`; or the other way
// round, with the opposite lock order. The lines, from shared_line on:
// shared_lock, one-lock scoped_lock; then scoped_lock, unique_lock.
constexpr int shared_line = __LINE__ + 2;
void read_then_write(weft::shared_mutex& shared, weft::mutex& exclusive) {
  const std::shared_lock reading(shared);
  const std::scoped_lock writing(exclusive);
}
void write_then_rewrite(weft::shared_mutex& shared, weft::mutex& exclusive) {
  const std::scoped_lock writing(exclusive);
  const std::unique_lock rewriting(shared);
}

}  // namespace

TEST_CASE("std lock sites: std::shared_lock and a one-lock std::scoped_lock",
          "[checker][std_lock_sites]") {
  const weft::report r = weft::check([] {
    weft::shared_mutex shared;
    weft::mutex exclusive;
    weft::thread reader([&] { read_then_write(shared, exclusive); });
    weft::thread writer([&] { write_then_rewrite(shared, exclusive); });
    reader.join();
    writer.join();
  });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  const std::vector<int> shared_locks = lines_of(r, "weft::shared_mutex::lock_shared");
  REQUIRE_FALSE(shared_locks.empty());
  CHECK(shared_locks[0] == shared_line);
  for (const int line : lines_of(r, "weft::mutex::lock")) {
    CHECK((line == shared_line + 1 || line == shared_line + 4));
  }
  for (const int line : lines_of(r, "weft::shared_mutex::lock")) {
    CHECK(line == shared_line + 5);
  }
  // Not the headers <shared_mutex>, <mutex> or <bits/std_mutex.h>.
  CHECK_THAT(weft::to_string(r), !Catch::Contains("at shared_mutex:") &&
                                     !Catch::Contains("at mutex:") &&
                                     !Catch::Contains("std_mutex.h"));
}

TEST_CASE("std lock sites: a condition variable's wait releases and retakes at the wait's line",
          "[checker][std_lock_sites]") {
  static int wait_line = 0;
  const weft::report r = weft::check([] {
    weft::mutex m;
    weft::condition_variable cv;
    weft::thread waiter([&] {
      std::unique_lock lock(m);
      wait_line = __LINE__ + 1;
      cv.wait(lock);  // no predicate: misses a notify that came first
    });
    cv.notify_one();
    waiter.join();
  });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::deadlock);
  const std::vector<int> unlocks = lines_of(r, "weft::mutex::unlock");
  REQUIRE(unlocks.size() == 1);
  CHECK(unlocks[0] == wait_line);
  const std::vector<int> locks = lines_of(r, "weft::mutex::lock");
  REQUIRE_FALSE(locks.empty());
  CHECK(locks[0] == wait_line - 2);
}

namespace {

// Two mutexes and a counter they guard.
struct two_locks {
  weft::mutex a;
  weft::mutex b;
  weft::shared<int> count{0};
};

// Increments the counter under both mutexes, taken by one std::scoped_lock
// in the order a, b (at scoped_line) or b, a (at scoped_line + 3).
constexpr int scoped_line = __LINE__ + 3;
void increment_under_both(two_locks& l, bool forward) {
  if (forward) {
    const std::scoped_lock both(l.a, l.b);
    l.count.set(l.count.get() + 1);
  } else {
    const std::scoped_lock both(l.b, l.a);
    l.count.set(l.count.get() + 1);
  }
}

// Two threads increment, in opposite lock orders; main then asserts that
// the count is `expected`.
void opposite_scoped_locks(int expected) {
  two_locks l;
  weft::thread forward([&] { increment_under_both(l, true); });
  weft::thread backward([&] { increment_under_both(l, false); });
  forward.join();
  backward.join();
  WEFT_ASSERT(l.count.get() == expected);
}

}  // namespace

TEST_CASE("std lock sites: std::scoped_lock of two mutexes in opposite orders never deadlocks",
          "[checker][std_lock_sites]") {
  weft::check_options o;
  o.executions = 2000;
  const weft::report r = weft::check([] { opposite_scoped_locks(2); }, o);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 2000);
  // It takes the second lock with try_lock, which cannot block: no
  // lock-order inversion either.
  CHECK(r.warnings.empty());
}

TEST_CASE("std lock sites: std::scoped_lock of two mutexes names the guard's line",
          "[checker][std_lock_sites]") {
  // A failing assertion after the threads, for a trace of every step.
  const weft::report r = weft::check([] { opposite_scoped_locks(3); });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::assertion);
  int steps = 0;
  for (const weft::trace_step& s : r.trace) {
    // A try_lock's outcome is a line of its own, without a site.
    if (s.operation.rfind("weft::mutex::", 0) != 0 || s.file.empty()) continue;
    ++steps;
    INFO(s.operation);
    CHECK(s.file == this_file);
    CHECK((s.line == scoped_line || s.line == scoped_line + 3));
  }
  // Per thread: lock, try_lock, unlock, unlock.
  CHECK(steps >= 8);
  CHECK_THAT(weft::to_string(r), !Catch::Contains("at mutex:"));
}
