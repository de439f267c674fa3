#include "weft/mutex.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"

using namespace std::chrono_literals;

TEST_CASE("mutex works with the std lock wrappers", "[mutex]") {
  weft::mutex m;
  {
    std::lock_guard guard(m);
    CHECK(m.is_locked_for_diagnostics());
  }
  CHECK_FALSE(m.is_locked_for_diagnostics());
  {
    std::unique_lock lock(m);
    CHECK(lock.owns_lock());
    lock.unlock();
    CHECK_FALSE(m.is_locked_for_diagnostics());
  }
  weft::mutex other;
  {
    std::scoped_lock both(m, other);
    CHECK(m.is_locked_for_diagnostics());
    CHECK(other.is_locked_for_diagnostics());
  }
  CHECK_FALSE(m.is_locked_for_diagnostics());
  CHECK_FALSE(other.is_locked_for_diagnostics());
}

TEST_CASE("try_lock fails while another thread holds the mutex", "[mutex]") {
  weft::mutex m;
  REQUIRE(m.try_lock());
  bool other_got_it = true;
  std::thread t([&] { other_got_it = m.try_lock(); });
  t.join();
  CHECK_FALSE(other_got_it);
  m.unlock();
  std::thread t2([&] {
    other_got_it = m.try_lock();
    if (other_got_it) m.unlock();
  });
  t2.join();
  CHECK(other_got_it);
}

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

TEST_CASE("a blocked lock() wakes when the mutex is released", "[mutex]") {
  weft::mutex m;
  m.lock();
  std::atomic<bool> acquired{false};
  std::thread t([&] {
    m.lock();
    acquired = true;
    m.unlock();
  });
  std::this_thread::sleep_for(10ms);
  CHECK_FALSE(acquired.load());
  m.unlock();
  t.join();
  CHECK(acquired.load());
}

#if WEFT_CHECKS
TEST_CASE("misuse of a mutex is reported", "[mutex][misuse]") {
  weft::testing::misuse_recorder recorder;

  SECTION("unlock of an unlocked mutex is reported and ignored") {
    weft::mutex m;
    m.unlock();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("weft::mutex") && Catch::Contains("not locked"));
    CHECK(m.try_lock());  // the bogus unlock did not corrupt the state
    m.unlock();
  }

  SECTION("unlock by a thread that does not own it is reported and ignored") {
    weft::mutex m;
    m.lock();
    std::thread t([&] { m.unlock(); });
    t.join();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("does not own it") && Catch::Contains("owner: thread"));
    CHECK(m.is_locked_for_diagnostics());
    m.unlock();
    CHECK(recorder.reports().size() == 1);
  }

  SECTION("relocking by the owner throws instead of hanging") {
    weft::mutex m;
    m.lock();
    CHECK_THROWS_AS(m.lock(), std::system_error);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("already owns it"));
    m.unlock();
  }

  SECTION("destroying a locked mutex is reported") {
    {
      weft::mutex m;
      m.lock();
    }
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0], Catch::Contains("destroyed while locked"));
  }

  SECTION("assert_held reports when the caller does not hold the mutex") {
    weft::mutex m;
    m.lock();
    m.assert_held();
    CHECK(recorder.reports().empty());
    m.unlock();
    m.assert_held();
    CHECK(recorder.reports().size() == 1);
  }
}
#endif

TEST_CASE("mutex gives mutual exclusion under contention", "[mutex][stress]") {
  const int threads = GENERATE(2, 4, 8);
  constexpr int iterations = 20000;
  weft::mutex m;
  long counter = 0;  // plain: a lost update or a TSan report means no exclusion
  int inside = 0;
  int max_inside = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::lock_guard guard(m);
        ++inside;
        if (inside > max_inside) max_inside = inside;
        ++counter;
        --inside;
      }
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(counter == static_cast<long>(threads) * iterations);
  CHECK(max_inside == 1);
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
