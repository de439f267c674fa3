#include "weft/ticket_lock.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"

using namespace std::chrono_literals;

namespace {

// Spins (yielding) until `lock` reports `count` queued threads.
void wait_until_queued(const weft::ticket_lock& lock, std::uint32_t count) {
  while (lock.queued_for_diagnostics() != count)
    std::this_thread::yield();
}

}  // namespace

TEST_CASE("ticket_lock works with the std lock wrappers", "[ticket_lock]") {
  weft::ticket_lock l;
  {
    std::lock_guard guard(l);
    CHECK(l.is_locked_for_diagnostics());
    CHECK(l.queued_for_diagnostics() == 0);
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  {
    std::unique_lock lock(l);
    CHECK(lock.owns_lock());
    lock.unlock();
    CHECK_FALSE(l.is_locked_for_diagnostics());
    CHECK(lock.try_lock());
  }
  weft::ticket_lock other;
  {
    std::scoped_lock both(l, other);
    CHECK(l.is_locked_for_diagnostics());
    CHECK(other.is_locked_for_diagnostics());
  }
  CHECK_FALSE(l.is_locked_for_diagnostics());
  CHECK_FALSE(other.is_locked_for_diagnostics());
}

TEST_CASE("ticket_lock try_lock fails while held or while anyone is queued", "[ticket_lock]") {
  weft::ticket_lock l;
  REQUIRE(l.try_lock());
  bool other_got_it = true;
  std::thread t([&] { other_got_it = l.try_lock(); });
  t.join();
  CHECK_FALSE(other_got_it);
  CHECK(l.queued_for_diagnostics() == 0);  // a failed try_lock takes no ticket

  // Queue a waiter, then release: the unlock serves the waiter's ticket, so
  // the lock is the waiter's at once, whether or not it has run yet, and a
  // try_lock right after the unlock cannot jump the queue.
  std::atomic<bool> waiter_may_leave{false};
  std::thread waiter([&] {
    l.lock();
    while (!waiter_may_leave.load())
      std::this_thread::yield();
    l.unlock();
  });
  wait_until_queued(l, 1);
  l.unlock();
  std::thread t2([&] { other_got_it = l.try_lock(); });
  t2.join();
  CHECK_FALSE(other_got_it);
  CHECK(l.is_locked_for_diagnostics());
  waiter_may_leave = true;
  waiter.join();
  CHECK(l.try_lock());
  l.unlock();
}

TEST_CASE("a parked ticket_lock waiter wakes when its turn comes", "[ticket_lock]") {
  weft::ticket_lock l;
  l.lock();
  std::atomic<bool> acquired{false};
  std::thread t([&] {
    l.lock();
    acquired = true;
    l.unlock();
  });
  wait_until_queued(l, 1);
  std::this_thread::sleep_for(10ms);  // likely parked by now
  CHECK_FALSE(acquired.load());
  l.unlock();
  t.join();
  CHECK(acquired.load());
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

TEST_CASE("ticket_lock serves threads in the order they queued", "[ticket_lock]") {
  // More threads than park slots, so that waiters share slots and some are
  // woken by a turn that is not theirs.
  const int threads = GENERATE(2, 4, 8);
  weft::ticket_lock l;
  std::vector<int> order;  // guarded by l
  std::vector<std::thread> pool;
  l.lock();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      // Take a ticket only once every earlier thread has taken one.
      wait_until_queued(l, static_cast<std::uint32_t>(t));
      l.lock();
      order.push_back(t);
      l.unlock();
    });
  }
  wait_until_queued(l, static_cast<std::uint32_t>(threads));
  std::this_thread::sleep_for(5ms);  // let the waiters park
  l.unlock();
  for (auto& t : pool)
    t.join();
  std::vector<int> expected(static_cast<std::size_t>(threads));
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(order == expected);
  CHECK_FALSE(l.is_locked_for_diagnostics());
}

#if WEFT_CHECKS
TEST_CASE("misuse of a ticket_lock is reported", "[ticket_lock][misuse]") {
  weft::testing::misuse_recorder recorder;

  SECTION("unlock of an unlocked ticket_lock is reported and ignored") {
    weft::ticket_lock l;
    l.unlock();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("weft::ticket_lock") && Catch::Contains("not held"));
    CHECK(l.try_lock());  // the bogus unlock did not advance the counter
    l.unlock();
    CHECK_FALSE(l.is_locked_for_diagnostics());
  }

  SECTION("unlock by a thread that does not own it is reported and ignored") {
    weft::ticket_lock l;
    l.lock();
    std::thread t([&] { l.unlock(); });
    t.join();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("does not own it") && Catch::Contains("owner: thread"));
    CHECK(l.is_locked_for_diagnostics());
    l.unlock();
    CHECK(recorder.reports().size() == 1);
  }

  SECTION("relocking by the owner throws before taking a ticket") {
    weft::ticket_lock l;
    l.lock();
    CHECK_THROWS_AS(l.lock(), std::system_error);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("already owns it"));
    CHECK(l.queued_for_diagnostics() == 0);
    l.unlock();
    CHECK_FALSE(l.is_locked_for_diagnostics());
  }

  SECTION("destroying a locked ticket_lock is reported") {
    {
      weft::ticket_lock l;
      l.lock();
    }
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0],
               Catch::Contains("weft::ticket_lock") && Catch::Contains("destroyed while locked"));
  }

  SECTION("assert_held reports when the caller does not hold the ticket_lock") {
    weft::ticket_lock l;
    l.lock();
    l.assert_held();
    CHECK(recorder.reports().empty());
    l.unlock();
    l.assert_held();
    CHECK(recorder.reports().size() == 1);
  }
}
#endif

TEST_CASE("ticket_lock gives mutual exclusion under contention", "[ticket_lock][stress]") {
  const int threads = GENERATE(2, 4, 8);
  // FIFO hand-off to parked threads costs a context switch per acquisition
  // when threads outnumber cores, so fewer rounds than for the mutex.
  constexpr int iterations = 4000;
  weft::ticket_lock l;
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
  CHECK(l.queued_for_diagnostics() == 0);
}

TEST_CASE("ticket_lock keeps FIFO order round after round", "[ticket_lock][stress]") {
  // Each round queues the threads in a fresh known order (rotated), then
  // checks they were served in exactly that order.
  constexpr int threads = 6;
  constexpr int rounds = 20;
  weft::ticket_lock l;
  for (int round = 0; round < rounds; ++round) {
    std::vector<int> order;  // guarded by l
    std::vector<std::thread> pool;
    l.lock();
    for (int t = 0; t < threads; ++t) {
      const int position = (t + round) % threads;
      pool.emplace_back([&, t, position] {
        wait_until_queued(l, static_cast<std::uint32_t>(position));
        l.lock();
        order.push_back(t);
        l.unlock();
      });
    }
    wait_until_queued(l, threads);
    l.unlock();
    for (auto& t : pool)
      t.join();
    std::vector<int> expected(threads);
    for (int t = 0; t < threads; ++t)
      expected[static_cast<std::size_t>((t + round) % threads)] = t;
    REQUIRE(order == expected);
  }
}
