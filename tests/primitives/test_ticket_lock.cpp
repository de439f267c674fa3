// What is specific to weft::ticket_lock: FIFO order, and try_lock never
// jumping the queue. The behaviour it shares with the other exclusive locks
// (std wrappers, try_lock, a blocked lock() waking, misuse, mutual exclusion
// under contention) is in test_exclusive_locks.cpp.
#include "weft/ticket_lock.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Spins (yielding) until `lock` reports `count` queued threads.
void wait_until_queued(const weft::ticket_lock& lock, std::uint32_t count) {
  while (lock.queued_for_diagnostics() != count)
    std::this_thread::yield();
}

}  // namespace

TEST_CASE("ticket_lock try_lock fails while anyone is queued", "[ticket_lock]") {
  weft::ticket_lock l;
  l.lock();
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
  bool other_got_it = true;
  std::thread t([&] { other_got_it = l.try_lock(); });
  t.join();
  CHECK_FALSE(other_got_it);
  CHECK(l.is_locked_for_diagnostics());
  waiter_may_leave = true;
  waiter.join();
  CHECK(l.try_lock());
  l.unlock();
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
