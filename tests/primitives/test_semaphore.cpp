#include "weft/semaphore.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"

using namespace std::chrono_literals;

namespace {

// The constructor is constexpr, as std::counting_semaphore's is.
constinit weft::binary_semaphore g_signal{0};

}  // namespace

TEST_CASE("max() is LeastMaxValue", "[semaphore]") {
  static_assert(weft::binary_semaphore::max() == 1);
  static_assert(sizeof(weft::binary_semaphore) == 8);  // as documented
  static_assert(weft::counting_semaphore<5>::max() == 5);
  static_assert(weft::counting_semaphore<>::max() == INT32_MAX);
  static_assert(weft::binary_semaphore::type_name == "weft::binary_semaphore");
  static_assert(weft::counting_semaphore<5>::type_name == "weft::counting_semaphore");
  weft::counting_semaphore<5> s(5);
  CHECK(s.available_for_diagnostics() == 5);
}

TEST_CASE("a constant-initialised semaphore works", "[semaphore]") {
  CHECK_FALSE(g_signal.try_acquire());
  g_signal.release();
  CHECK(g_signal.try_acquire());
  CHECK_FALSE(g_signal.try_acquire());
}

TEST_CASE("try_acquire fails at zero and succeeds after a release", "[semaphore]") {
  weft::counting_semaphore<4> s(2);
  CHECK(s.try_acquire());
  CHECK(s.try_acquire());
  CHECK_FALSE(s.try_acquire());
  CHECK(s.available_for_diagnostics() == 0);
  s.release();
  CHECK(s.try_acquire());
  CHECK_FALSE(s.try_acquire());
  s.release(3);
  CHECK(s.available_for_diagnostics() == 3);
  s.acquire();  // available: does not block
  CHECK(s.available_for_diagnostics() == 2);
}

TEST_CASE("timed acquires time out at zero and leave nothing behind", "[semaphore]") {
  weft::binary_semaphore s(0);
  CHECK_FALSE(s.try_acquire_for(5ms));
  CHECK_FALSE(s.try_acquire_until(std::chrono::system_clock::now() + 2ms));
  CHECK_FALSE(s.try_acquire_until(std::chrono::steady_clock::now() - 1ms));
  CHECK_FALSE(s.try_acquire_for(0ms));
  CHECK_FALSE(s.try_acquire_for(-1ms));
  // The timed-out waiters withdrew: one release makes exactly one unit.
  s.release();
  CHECK(s.available_for_diagnostics() == 1);
  CHECK(s.try_acquire_for(5ms));
  CHECK_FALSE(s.try_acquire());
}

TEST_CASE("a binary semaphore works as a signal", "[semaphore]") {
  weft::binary_semaphore ready(0);
  weft::binary_semaphore done(0);
  int data = 0;  // plain: release happens before the acquire that takes its unit
  int seen = -1;
  std::thread worker([&] {
    ready.acquire();
    seen = data;
    data = 2;
    done.release();
  });
  data = 1;
  ready.release();
  done.acquire();
  worker.join();
  CHECK(seen == 1);
  CHECK(data == 2);
}

TEST_CASE("a blocked acquire wakes when a unit is released", "[semaphore]") {
  weft::counting_semaphore<8> s(0);
  std::atomic<bool> got{false};
  bool timed_got = false;
  std::thread t([&] {
    s.acquire();
    got = true;
  });
  std::thread timed([&] { timed_got = s.try_acquire_for(60s); });
  std::this_thread::sleep_for(10ms);  // make it likely both are parked
  CHECK_FALSE(got.load());
  s.release(2);
  t.join();
  timed.join();
  CHECK(got.load());
  CHECK(timed_got);
  CHECK(s.available_for_diagnostics() == 0);
}

TEST_CASE("release(n) wakes n waiters", "[semaphore]") {
  const int n = GENERATE(2, 4);
  weft::counting_semaphore<16> s(0);
  std::atomic<int> acquired{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < n; ++i) {
    waiters.emplace_back([&] {
      s.acquire();
      acquired.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(5ms);  // make it likely they are parked
  s.release(n + 1);
  for (auto& t : waiters)
    t.join();  // a unit not handed on hangs here
  CHECK(acquired.load() == n);
  CHECK(s.available_for_diagnostics() == 1);
}

#if WEFT_CHECKS
TEST_CASE("misuse of a semaphore is reported", "[semaphore][misuse]") {
  weft::testing::misuse_recorder recorder;

  SECTION("releasing a binary semaphore twice is reported and clamped") {
    weft::binary_semaphore s(0);
    s.release();
    s.release();
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0],
               Catch::Contains("weft::binary_semaphore") && Catch::Contains("beyond max()"));
    CHECK(s.try_acquire());
    CHECK_FALSE(s.try_acquire());
  }

  SECTION("release beyond max() raises the count to max()") {
    weft::counting_semaphore<3> s(2);
    s.release(5);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("weft::counting_semaphore"));
    CHECK(s.available_for_diagnostics() == 3);
  }

  SECTION("a negative release is reported and ignored") {
    weft::counting_semaphore<3> s(1);
    s.release(-1);
    REQUIRE(recorder.reports().size() == 1);
    CHECK_THAT(recorder.reports()[0], Catch::Contains("negative"));
    CHECK(s.available_for_diagnostics() == 1);
  }

  SECTION("an initial count outside [0, max()] is reported and clamped") {
    weft::counting_semaphore<2> high(5);
    weft::binary_semaphore low(-1);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 2);
    CHECK_THAT(reports[0], Catch::Contains("outside [0, max()]"));
    CHECK(high.available_for_diagnostics() == 2);
    CHECK(low.available_for_diagnostics() == 0);
  }
}
#endif

TEST_CASE("a semaphore bounds a resource pool exactly", "[semaphore][stress]") {
  const int threads = GENERATE(2, 4, 8);
  const int permits = std::max(1, threads / 2);
  constexpr int iterations = 5000;
  weft::counting_semaphore<8> pool(permits);
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> violations{0};
  std::atomic<long> entries{0};
  std::atomic<long> timeouts{0};

  std::vector<std::thread> pool_threads;
  for (int t = 0; t < threads; ++t) {
    pool_threads.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i) {
        bool got = true;
        switch ((t + i) % 3) {
          case 0:
            pool.acquire();
            break;
          case 1:
            got = pool.try_acquire_for(std::chrono::microseconds(10 + (i % 5) * 30));
            break;
          default:
            got = pool.try_acquire();
            break;
        }
        if (!got) {
          timeouts.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        const int now = inside.fetch_add(1) + 1;
        if (now > permits || now < 1) violations.fetch_add(1);
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
        }
        entries.fetch_add(1, std::memory_order_relaxed);
        if (inside.fetch_sub(1) - 1 < 0) violations.fetch_add(1);
        pool.release();
      }
    });
  }
  for (auto& t : pool_threads)
    t.join();
  CHECK(violations.load() == 0);
  CHECK(max_inside.load() <= permits);
  CHECK(max_inside.load() >= 1);
  CHECK(entries.load() + timeouts.load() == static_cast<long>(threads) * iterations);
  CHECK(pool.available_for_diagnostics() == permits);  // every unit came back
}

TEST_CASE("semaphore ping-pong loses no wake-up", "[semaphore][stress]") {
  constexpr int rounds = 10000;
  weft::binary_semaphore ping(1);
  weft::binary_semaphore pong(0);
  int pings = 0;  // plain: each side runs only while it holds the token
  int pongs = 0;
  std::thread other([&] {
    for (int r = 0; r < rounds; ++r) {
      pong.acquire();
      ++pongs;
      ping.release();
    }
  });
  for (int r = 0; r < rounds; ++r) {
    ping.acquire();
    ++pings;
    pong.release();
  }
  other.join();
  CHECK(pings == rounds);
  CHECK(pongs == rounds);
}

TEST_CASE("batched releases racing with timed and untimed acquires", "[semaphore][stress]") {
  const int consumers = GENERATE(2, 4, 8);
  constexpr int per_consumer = 2000;
  const int total = consumers * per_consumer;
  weft::counting_semaphore<> s(0);
  std::atomic<long> taken{0};
  std::atomic<long> timeouts{0};

  std::vector<std::thread> threads;
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per_consumer; ++i) {
        if ((c + i) % 2 == 0) {
          s.acquire();
        } else {
          while (!s.try_acquire_for(std::chrono::microseconds(5 + (i % 4) * 25))) {
            timeouts.fetch_add(1, std::memory_order_relaxed);
          }
        }
        taken.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  threads.emplace_back([&] {
    int released = 0;
    for (int batch = 1; released < total; batch = batch % 3 + 1) {
      const int n = std::min(batch, total - released);
      s.release(n);
      released += n;
      if (released % 64 == 0) std::this_thread::yield();
    }
  });
  for (auto& t : threads)
    t.join();  // a unit lost to a timed-out waiter hangs here
  CHECK(taken.load() == total);
  CHECK(s.available_for_diagnostics() == 0);
}
