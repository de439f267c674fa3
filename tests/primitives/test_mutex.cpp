// What is specific to weft::mutex: timed acquisition, timed and untimed
// lockers mixed, and that barging threads do not starve a waiter. The
// behaviour it shares with the other exclusive locks (std wrappers, try_lock,
// a blocked lock() waking, misuse, mutual exclusion under contention) is in
// test_exclusive_locks.cpp.
#include "weft/mutex.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("timed try_lock times out and succeeds", "[mutex]") {
  weft::mutex m;
  std::unique_lock held(m);
  bool got = true;
  std::thread t([&] { got = m.try_lock_for(20ms); });
  t.join();
  CHECK_FALSE(got);

  std::thread t2([&] { got = m.try_lock_until(std::chrono::system_clock::now() + 5ms); });
  t2.join();
  CHECK_FALSE(got);

  // A waiter with a long timeout gets the mutex once it is released.
  std::thread t3([&] {
    got = m.try_lock_for(10s);
    if (got) m.unlock();
  });
  std::this_thread::sleep_for(5ms);
  held.unlock();
  t3.join();
  CHECK(got);

  // Zero and negative timeouts behave as try_lock.
  CHECK(m.try_lock_for(0ms));
  m.unlock();
  CHECK(m.try_lock_for(-5ms));
  m.unlock();
}

TEST_CASE("timed and untimed lockers mixed lose no wake-up", "[mutex][stress]") {
  constexpr int threads = 4;
  constexpr int iterations = 5000;
  weft::mutex m;
  long counter = 0;
  std::atomic<long> timeouts{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i) {
        if ((t + i) % 2 == 0) {
          std::lock_guard guard(m);
          ++counter;
        } else if (m.try_lock_for(std::chrono::microseconds(50 + (i % 7) * 20))) {
          ++counter;
          m.unlock();
        } else {
          timeouts.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : pool)
    t.join();  // a lost wake-up would hang here
  CHECK(counter + timeouts.load() == static_cast<long>(threads) * iterations);
}

TEST_CASE("a long waiter is not starved by barging threads", "[mutex][stress]") {
  // Two threads re-take the mutex in a tight loop; a third must still get it.
  weft::mutex m;
  std::atomic<bool> stop{false};
  std::vector<std::thread> hogs;
  for (int t = 0; t < 2; ++t) {
    hogs.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        std::lock_guard guard(m);
        for (int spin = 0; spin < 200; ++spin)
          weft::seam::cpu_relax();
      }
    });
  }
  int acquisitions = 0;
  for (int i = 0; i < 50; ++i) {
    std::lock_guard guard(m);
    ++acquisitions;
  }
  stop = true;
  for (auto& t : hogs)
    t.join();
  CHECK(acquisitions == 50);
}
