// Behaviour every exclusive lock shares, tested once over all of them
// (weft::shared_mutex for its exclusive side). What is specific to one lock
// (timed waits, FIFO order, shared mode, ...) stays in that lock's own file.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"
#include "weft/mutex.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/spin_lock.hpp"
#include "weft/ticket_lock.hpp"

using namespace std::chrono_literals;

namespace {

// Stress rounds that fit the time budget. FIFO hand-off to parked threads
// costs a context switch per acquisition when threads outnumber cores, so
// fewer rounds for the queueing locks.
template <typename Lock>
constexpr int stress_iterations = 4000;
template <>
constexpr int stress_iterations<weft::mutex> = 20000;
template <>
constexpr int stress_iterations<weft::spin_lock> = 10000;

// Checks the diagnostic counters that only some locks have: nobody queued,
// nobody holding it shared.
template <typename Lock>
void check_nobody_waiting(const Lock& lock) {
  if constexpr (requires { lock.queued_for_diagnostics(); }) {
    CHECK(lock.queued_for_diagnostics() == 0);
  }
  if constexpr (requires { lock.readers_for_diagnostics(); }) {
    CHECK(lock.readers_for_diagnostics() == 0);
  }
}

// Spins (yielding) until one thread is registered as waiting for `lock`,
// where the lock can tell; otherwise returns at once and the caller's sleep
// alone makes the scenario likely.
template <typename Lock>
void wait_until_one_waits(const Lock& lock) {
  if constexpr (requires { lock.queued_for_diagnostics(); }) {
    while (lock.queued_for_diagnostics() != 1)
      std::this_thread::yield();
  } else if constexpr (requires { lock.waiting_writers_for_diagnostics(); }) {
    while (lock.waiting_writers_for_diagnostics() != 1)
      std::this_thread::yield();
  }
}

}  // namespace

TEMPLATE_TEST_CASE("exclusive locks work with the std lock wrappers", "[exclusive_locks]",
                   weft::mutex, weft::spin_lock, weft::ticket_lock, weft::shared_mutex) {
  TestType l;
  {
    std::lock_guard guard(l);
    CHECK(l.is_locked_for_diagnostics());
    check_nobody_waiting(l);
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  {
    std::unique_lock lock(l);
    CHECK(lock.owns_lock());
    lock.unlock();
    CHECK_FALSE(l.is_locked_for_diagnostics());
    CHECK(lock.try_lock());
    CHECK(l.is_locked_for_diagnostics());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  TestType other;
  {
    std::scoped_lock both(l, other);
    CHECK(l.is_locked_for_diagnostics());
    CHECK(other.is_locked_for_diagnostics());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  CHECK_FALSE(other.is_locked_for_diagnostics());
  check_nobody_waiting(l);
}

TEMPLATE_TEST_CASE("try_lock fails while another thread holds the lock", "[exclusive_locks]",
                   weft::mutex, weft::spin_lock, weft::ticket_lock, weft::shared_mutex) {
  TestType l;
  REQUIRE(l.try_lock());
  bool other_got_it = true;
  std::thread t([&] { other_got_it = l.try_lock(); });
  t.join();
  CHECK_FALSE(other_got_it);
  check_nobody_waiting(l);  // a failed try_lock leaves nothing behind
  l.unlock();
  std::thread t2([&] {
    other_got_it = l.try_lock();
    if (other_got_it) l.unlock();
  });
  t2.join();
  CHECK(other_got_it);
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

TEMPLATE_TEST_CASE("a blocked lock() proceeds when the lock is released", "[exclusive_locks]",
                   weft::mutex, weft::spin_lock, weft::ticket_lock, weft::shared_mutex) {
  TestType l;
  l.lock();
  std::atomic<bool> acquired{false};
  std::thread t([&] {
    l.lock();
    acquired = true;
    l.unlock();
  });
  wait_until_one_waits(l);
  // Long enough for the waiter to get past spinning and park or yield.
  std::this_thread::sleep_for(10ms);
  CHECK_FALSE(acquired.load());
  l.unlock();
  t.join();
  CHECK(acquired.load());
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

#if WEFT_CHECKS
namespace {

// The wording that differs between the locks' misuse reports.
template <typename Lock>
constexpr const char* unlock_when_free_phrase = "not held";
template <>
constexpr const char* unlock_when_free_phrase<weft::mutex> = "not locked";
template <typename Lock>
constexpr const char* relock_phrase = "already owns it";
template <>
constexpr const char* relock_phrase<weft::shared_mutex> = "holds it exclusively";

}  // namespace

TEMPLATE_TEST_CASE("misuse of an exclusive lock is reported", "[exclusive_locks][misuse]",
                   weft::mutex, weft::spin_lock, weft::ticket_lock, weft::shared_mutex) {
  const std::string name(TestType::type_name);
  weft::testing::misuse_recorder recorder;

  SECTION("unlock of an unlocked lock is reported and ignored") {
    TestType l;
    l.unlock();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0],
               Catch::Contains(name) && Catch::Contains(unlock_when_free_phrase<TestType>));
    CHECK(l.try_lock());  // the bogus unlock did not corrupt the state
    l.unlock();
    CHECK_FALSE(l.is_locked_for_diagnostics());
  }

  SECTION("unlock by a thread that does not own it is reported and ignored") {
    TestType l;
    l.lock();
    std::thread t([&] { l.unlock(); });
    t.join();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains(name) && Catch::Contains("does not own it") &&
                               Catch::Contains("owner: thread"));
    CHECK(l.is_locked_for_diagnostics());
    l.unlock();
    CHECK(recorder.reports().size() == 1);
  }

  SECTION("relocking by the owner throws instead of hanging") {
    TestType l;
    l.lock();
    CHECK_THROWS_AS(l.lock(), std::system_error);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains(name) && Catch::Contains(relock_phrase<TestType>));
    check_nobody_waiting(l);  // e.g. a ticket_lock took no ticket
    l.unlock();
    CHECK_FALSE(l.is_locked_for_diagnostics());
  }

  SECTION("destroying a locked lock is reported") {
    {
      TestType l;
      l.lock();
    }
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains(name) && Catch::Contains("destroyed while locked"));
  }

  SECTION("assert_held reports when the caller does not hold the lock") {
    TestType l;
    l.lock();
    l.assert_held();
    CHECK(recorder.reports().empty());
    l.unlock();
    l.assert_held();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains(name));
  }
}
#endif

TEMPLATE_TEST_CASE("exclusive locks give mutual exclusion under contention",
                   "[exclusive_locks][stress]", weft::mutex, weft::spin_lock, weft::ticket_lock,
                   weft::shared_mutex) {
  // 8 threads on a 2-core machine also checks that waiters yield or park: a
  // pure spinner would keep a preempted holder off the processor.
  const int threads = GENERATE(2, 4, 8);
  constexpr int iterations = stress_iterations<TestType>;
  TestType l;
  long counter = 0;  // plain: a lost update or a TSan report means no exclusion
  int inside = 0;
  int max_inside = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::lock_guard guard(l);
        ++inside;
        if (inside > max_inside) max_inside = inside;
        ++counter;
        --inside;
      }
    });
  }
  for (auto& t : pool)
    t.join();  // a lost wake-up would hang here
  CHECK(counter == static_cast<long>(threads) * iterations);
  CHECK(max_inside == 1);
  CHECK_FALSE(l.is_locked_for_diagnostics());
  check_nobody_waiting(l);
}
