#include "weft/shared_mutex.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "support/misuse_recorder.hpp"

using namespace std::chrono_literals;

namespace {

// Spins (yielding) until `done()` holds. Used with the diagnostic counters
// to set scenarios up deterministically; a hang means the counter never got
// there.
template <typename F>
void wait_until(F done) {
  while (!done())
    std::this_thread::yield();
}

// Runs `body` on another thread and returns its result.
template <typename F>
bool on_other_thread(F body) {
  bool result = false;
  std::thread t([&] { result = body(); });
  t.join();
  return result;
}

// Checks, on the threads that hold a shared_mutex, that no writer overlaps
// anyone. `writers` is a plain int on purpose: if exclusion failed, TSan
// would also report the race.
struct exclusion_probe {
  std::atomic<int> readers{0};
  int writers = 0;
  long writes = 0;
  std::atomic<int> violations{0};

  void write() {
    if (readers.load() != 0) violations.fetch_add(1);
    ++writers;
    if (writers != 1) violations.fetch_add(1);
    ++writes;
    --writers;
  }
  void read() {
    readers.fetch_add(1);
    if (writers != 0) violations.fetch_add(1);
    [[maybe_unused]] const long seen = writes;
    readers.fetch_sub(1);
  }
};

}  // namespace

TEST_CASE("shared_mutex works with the std shared and timed lock wrappers", "[shared_mutex]") {
  // lock_guard, unique_lock and scoped_lock are checked in
  // test_exclusive_locks.cpp.
  weft::shared_mutex m;
  {
    std::shared_lock a(m);
    std::shared_lock b(m);  // shared holds stack up
    CHECK(m.readers_for_diagnostics() == 2);
    CHECK_FALSE(m.is_locked_for_diagnostics());
  }
  CHECK(m.readers_for_diagnostics() == 0);
  {
    std::shared_lock timed(m, 10ms);  // try_lock_shared_for
    CHECK(timed.owns_lock());
    timed.unlock();
    CHECK(timed.try_lock_until(std::chrono::steady_clock::now() + 10ms));
  }
  {
    std::unique_lock timed(m, 10ms);  // try_lock_for
    CHECK(timed.owns_lock());
    CHECK(m.is_locked_for_diagnostics());
  }
  CHECK_FALSE(m.is_locked_for_diagnostics());
  CHECK(m.readers_for_diagnostics() == 0);
}

TEST_CASE("shared_mutex try variants respect the modes", "[shared_mutex]") {
  weft::shared_mutex m;

  SECTION("a writer excludes readers and writers") {
    m.lock();
    CHECK_FALSE(on_other_thread([&] { return m.try_lock(); }));
    CHECK_FALSE(on_other_thread([&] { return m.try_lock_shared(); }));
    m.unlock();
    CHECK(on_other_thread([&] {
      const bool ok = m.try_lock_shared();
      if (ok) m.unlock_shared();
      return ok;
    }));
  }

  SECTION("readers exclude writers but admit readers") {
    REQUIRE(m.try_lock_shared());
    CHECK_FALSE(on_other_thread([&] { return m.try_lock(); }));
    CHECK(on_other_thread([&] {
      const bool ok = m.try_lock_shared();
      if (ok) m.unlock_shared();
      return ok;
    }));
    m.unlock_shared();
    CHECK(m.try_lock());
    m.unlock();
  }

  SECTION("a waiting writer turns new readers away") {
    m.lock_shared();
    std::thread writer([&] {
      m.lock();
      m.unlock();
    });
    wait_until([&] { return m.waiting_writers_for_diagnostics() == 1; });
    CHECK_FALSE(on_other_thread([&] { return m.try_lock_shared(); }));
    m.unlock_shared();
    writer.join();
    CHECK(m.try_lock_shared());
    m.unlock_shared();
  }
}

TEST_CASE("many readers hold a shared_mutex at once", "[shared_mutex]") {
  const int readers = GENERATE(2, 4, 8);
  weft::shared_mutex m;
  std::atomic<int> inside{0};
  std::atomic<int> saw_everyone{0};
  std::vector<std::thread> pool;
  for (int r = 0; r < readers; ++r) {
    pool.emplace_back([&] {
      std::shared_lock lock(m);
      inside.fetch_add(1);
      // Stay inside until every reader is inside too. If readers excluded
      // each other this could never happen; the deadline only turns that
      // hang into a failure.
      const auto give_up = std::chrono::steady_clock::now() + 10s;
      while (inside.load() < readers && std::chrono::steady_clock::now() < give_up)
        std::this_thread::yield();
      if (inside.load() == readers) saw_everyone.fetch_add(1);
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(saw_everyone.load() == readers);
  CHECK(m.readers_for_diagnostics() == 0);
}

TEST_CASE("a waiting writer gets in before readers that arrive after it", "[shared_mutex]") {
  weft::shared_mutex m;
  std::atomic<int> sequence{0};
  int writer_turn = -1;
  int reader_turn = -1;
  m.lock_shared();
  std::thread writer([&] {
    m.lock();
    writer_turn = sequence.fetch_add(1);
    m.unlock();
  });
  wait_until([&] { return m.waiting_writers_for_diagnostics() == 1; });
  std::thread reader([&] {
    m.lock_shared();
    reader_turn = sequence.fetch_add(1);
    m.unlock_shared();
  });
  wait_until([&] { return m.waiting_readers_for_diagnostics() == 1; });
  CHECK(m.readers_for_diagnostics() == 1);  // the late reader did not join us
  m.unlock_shared();
  writer.join();
  reader.join();
  CHECK(writer_turn == 0);
  CHECK(reader_turn == 1);
}

TEST_CASE("readers queued behind a writer go before the next writer", "[shared_mutex]") {
  constexpr int readers = 3;
  constexpr int writers = 2;
  weft::shared_mutex m;
  std::atomic<int> sequence{0};
  std::vector<int> reader_turns(readers, -1);
  std::vector<int> writer_turns(writers, -1);
  std::vector<std::thread> pool;
  m.lock();
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([&, w] {
      m.lock();
      writer_turns[static_cast<std::size_t>(w)] = sequence.fetch_add(1);
      m.unlock();
    });
  }
  wait_until([&] { return m.waiting_writers_for_diagnostics() == writers; });
  for (int r = 0; r < readers; ++r) {
    pool.emplace_back([&, r] {
      m.lock_shared();
      reader_turns[static_cast<std::size_t>(r)] = sequence.fetch_add(1);
      m.unlock_shared();
    });
  }
  wait_until([&] { return m.waiting_readers_for_diagnostics() == readers; });
  m.unlock();  // admits the three readers in one step
  for (auto& t : pool)
    t.join();
  for (int turn : reader_turns)
    CHECK((turn >= 0 && turn < readers));
  for (int turn : writer_turns)
    CHECK(turn >= readers);
}

TEST_CASE("shared_mutex timed variants time out and succeed", "[shared_mutex]") {
  weft::shared_mutex m;

  SECTION("a writer times out against a reader, then gets in") {
    m.lock_shared();
    CHECK_FALSE(on_other_thread([&] { return m.try_lock_for(20ms); }));
    CHECK_FALSE(
        on_other_thread([&] { return m.try_lock_until(std::chrono::system_clock::now() + 5ms); }));
    // The writers that gave up left nothing behind that turns readers away.
    CHECK(m.waiting_writers_for_diagnostics() == 0);
    CHECK(on_other_thread([&] {
      const bool ok = m.try_lock_shared();
      if (ok) m.unlock_shared();
      return ok;
    }));
    bool got = false;
    std::thread t([&] {
      got = m.try_lock_for(10s);
      if (got) m.unlock();
    });
    std::this_thread::sleep_for(5ms);
    m.unlock_shared();
    t.join();
    CHECK(got);
  }

  SECTION("a reader times out against a writer, then gets in") {
    m.lock();
    CHECK_FALSE(on_other_thread([&] { return m.try_lock_shared_for(20ms); }));
    CHECK_FALSE(on_other_thread(
        [&] { return m.try_lock_shared_until(std::chrono::system_clock::now() + 5ms); }));
    CHECK(m.waiting_readers_for_diagnostics() == 0);
    bool got = false;
    std::thread t([&] {
      got = m.try_lock_shared_for(10s);
      if (got) m.unlock_shared();
    });
    std::this_thread::sleep_for(5ms);
    m.unlock();
    t.join();
    CHECK(got);
  }

  SECTION("zero and negative timeouts behave as try_lock") {
    CHECK(m.try_lock_for(0ms));
    CHECK_FALSE(on_other_thread([&] { return m.try_lock_shared_for(0ms); }));
    m.unlock();
    CHECK(m.try_lock_shared_for(-5ms));
    CHECK_FALSE(on_other_thread([&] { return m.try_lock_for(-5ms); }));
    m.unlock_shared();
  }
}

TEST_CASE("a writer that gives up lets the readers queued behind it in", "[shared_mutex]") {
  weft::shared_mutex m;
  m.lock_shared();
  bool writer_got_it = true;
  std::thread writer([&] { writer_got_it = m.try_lock_for(100ms); });
  wait_until([&] { return m.waiting_writers_for_diagnostics() == 1; });
  std::atomic<bool> reader_in{false};
  std::thread reader([&] {
    m.lock_shared();  // queues behind the writer
    reader_in = true;
    m.unlock_shared();
  });
  writer.join();
  // The reader gets in while we still hold our shared lock: only the
  // writer's giving up can have let it in. A lost wake-up hangs here.
  reader.join();
  CHECK_FALSE(writer_got_it);
  CHECK(reader_in.load());
  CHECK(m.readers_for_diagnostics() == 1);
  m.unlock_shared();
}

#if WEFT_CHECKS
TEST_CASE("misuse of a shared_mutex is reported", "[shared_mutex][misuse]") {
  // The misuse of its exclusive side that every exclusive lock reports is
  // checked in test_exclusive_locks.cpp.
  weft::testing::misuse_recorder recorder;

  SECTION("unlock() while holding only a shared lock is reported and ignored") {
    weft::shared_mutex m;
    m.lock_shared();
    m.unlock();
    CHECK(recorder.reports().size() == 1);
    CHECK(m.readers_for_diagnostics() == 1);
    m.unlock_shared();
  }

  SECTION("unlock_shared with no shared lock held is reported and ignored") {
    weft::shared_mutex m;
    m.unlock_shared();
    m.lock();
    m.unlock_shared();  // an exclusive hold is not a shared one
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 2);
    CHECK_THAT(reports[0], Catch::Contains("weft::shared_mutex") &&
                               Catch::Contains("unlock_shared with no shared lock held"));
    CHECK(m.is_locked_for_diagnostics());
    CHECK(m.readers_for_diagnostics() == 0);
    m.unlock();
    CHECK(m.try_lock_shared());  // the count did not wrap
    m.unlock_shared();
  }

  SECTION("shared or timed locking while holding it exclusively throws instead of hanging") {
    // Plain lock() again is checked in test_exclusive_locks.cpp.
    weft::shared_mutex m;
    m.lock();
    CHECK_THROWS_AS(m.lock_shared(), std::system_error);
    CHECK_THROWS_AS(static_cast<void>(m.try_lock_for(1s)), std::system_error);
    CHECK_THROWS_AS(static_cast<void>(m.try_lock_shared_for(1s)), std::system_error);
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 3);
    for (const auto& report : reports)
      CHECK_THAT(report, Catch::Contains("holds it exclusively"));
    m.unlock();
    CHECK_FALSE(m.is_locked_for_diagnostics());
  }

  SECTION("destroying a shared_mutex held shared is reported") {
    {
      weft::shared_mutex m;
      m.lock_shared();
    }
    const auto reports = recorder.reports();
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0],
               Catch::Contains("weft::shared_mutex") && Catch::Contains("destroyed while locked"));
  }

  SECTION("assert_held reports when the caller holds it only shared") {
    weft::shared_mutex m;
    m.lock_shared();
    m.assert_held();
    CHECK(recorder.reports().size() == 1);
    m.unlock_shared();
  }
}
#endif

TEST_CASE("shared_mutex writers exclude readers and writers", "[shared_mutex][stress]") {
  const int threads = GENERATE(2, 4, 8);
  constexpr int iterations = 4000;
  weft::shared_mutex m;
  exclusion_probe probe;
  std::atomic<long> expected_writes{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i) {
        if ((t + i) % 4 == 0) {
          std::unique_lock lock(m);
          probe.write();
          expected_writes.fetch_add(1);
        } else {
          std::shared_lock lock(m);
          probe.read();
        }
      }
    });
  }
  for (auto& t : pool)
    t.join();  // a lost wake-up would hang here
  CHECK(probe.violations.load() == 0);
  CHECK(probe.writes == expected_writes.load());
  CHECK_FALSE(m.is_locked_for_diagnostics());
  CHECK(m.readers_for_diagnostics() == 0);
}

TEST_CASE("a stream of readers does not starve a writer", "[shared_mutex][stress]") {
  constexpr int readers = 4;
  constexpr int writes = 20;
  weft::shared_mutex m;
  exclusion_probe probe;
  std::atomic<bool> writer_done{false};
  std::vector<std::thread> pool;
  for (int r = 0; r < readers; ++r) {
    pool.emplace_back([&] {
      // Overlapping read sections: without writer preference the reader
      // count would rarely, if ever, drop to zero.
      while (!writer_done.load()) {
        std::shared_lock lock(m);
        probe.read();
        for (int spin = 0; spin < 200; ++spin)
          weft::seam::cpu_relax();
      }
    });
  }
  for (int w = 0; w < writes; ++w) {
    std::unique_lock lock(m);
    probe.write();
  }
  writer_done = true;
  for (auto& t : pool)
    t.join();
  CHECK(probe.writes == writes);
  CHECK(probe.violations.load() == 0);
}

TEST_CASE("a stream of writers does not starve a reader", "[shared_mutex][stress]") {
  constexpr int writers = 3;
  constexpr int reads = 20;
  weft::shared_mutex m;
  exclusion_probe probe;
  std::atomic<bool> reader_done{false};
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([&] {
      while (!reader_done.load()) {
        std::unique_lock lock(m);
        probe.write();
        for (int spin = 0; spin < 200; ++spin)
          weft::seam::cpu_relax();
      }
    });
  }
  int done = 0;
  for (int r = 0; r < reads; ++r) {
    std::shared_lock lock(m);
    probe.read();
    ++done;
  }
  reader_done = true;
  for (auto& t : pool)
    t.join();
  CHECK(done == reads);
  CHECK(probe.violations.load() == 0);
}

TEST_CASE("timed and untimed shared_mutex callers mixed lose no wake-up",
          "[shared_mutex][stress]") {
  const int threads = GENERATE(4, 8);
  constexpr int iterations = 2000;
  weft::shared_mutex m;
  exclusion_probe probe;
  std::atomic<long> writes_done{0};
  std::atomic<long> completed{0};
  std::atomic<long> timeouts{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i) {
        const auto timeout = std::chrono::microseconds(20 + (i % 7) * 30);
        bool ok = true;
        switch ((t + i) % 4) {
          case 0: {
            std::unique_lock lock(m);
            probe.write();
            writes_done.fetch_add(1);
            break;
          }
          case 1:
            ok = m.try_lock_for(timeout);
            if (ok) {
              probe.write();
              writes_done.fetch_add(1);
              m.unlock();
            }
            break;
          case 2: {
            std::shared_lock lock(m);
            probe.read();
            break;
          }
          default:
            ok = m.try_lock_shared_for(timeout);
            if (ok) {
              probe.read();
              m.unlock_shared();
            }
            break;
        }
        (ok ? completed : timeouts).fetch_add(1);
      }
    });
  }
  for (auto& t : pool)
    t.join();  // a lost wake-up, or a waiting count left behind, hangs here
  CHECK(completed.load() + timeouts.load() == static_cast<long>(threads) * iterations);
  CHECK(probe.violations.load() == 0);
  CHECK(probe.writes == writes_done.load());
  // Nothing left behind by the waiters that gave up.
  CHECK(m.readers_for_diagnostics() == 0);
  CHECK(m.waiting_readers_for_diagnostics() == 0);
  CHECK(m.waiting_writers_for_diagnostics() == 0);
  CHECK(m.try_lock());
  m.unlock();
}
