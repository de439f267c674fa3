// Lock-order inversions: potential deadlocks reported even when the
// execution did not deadlock.
#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <mutex>

#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/semaphore.hpp"
#include "weft/thread.hpp"

namespace {

// Thread A nests m1 then m2; thread B, started only after A is joined, nests
// m2 then m1. They never overlap, so no execution deadlocks; the orders
// still form a cycle.
void sequential_inversion() {
  weft::mutex m1;
  weft::mutex m2;
  // Explicit calls; the std guards name this file's lines as well (see
  // test_std_lock_sites.cpp).
  weft::thread a([&] {
    m1.lock();
    m2.lock();
    m2.unlock();
    m1.unlock();
  });
  a.join();
  weft::thread b([&] {
    m2.lock();
    m1.lock();
    m1.unlock();
    m2.unlock();
  });
  b.join();
}

}  // namespace

TEST_CASE("lock order: an inversion is a warning by default", "[checker][lock_order]") {
  const weft::report r = weft::check(sequential_inversion);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0],
             Catch::Contains("lock-order inversion") && Catch::Contains("thread 2 took mutex#") &&
                 Catch::Contains("thread 3 took mutex#") && Catch::Contains("test_lock_order.cpp"));
  CHECK_THAT(weft::to_string(r), Catch::Contains("warning: lock-order inversion"));
}

TEST_CASE("lock order: policy fail turns the inversion into a failure with a trace",
          "[checker][lock_order]") {
  weft::check_options o;
  o.lock_order = weft::lock_order_policy::fail;
  const weft::report r = weft::check(sequential_inversion, o);
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::lock_order_inversion);
  CHECK_FALSE(r.trace.empty());
  CHECK_FALSE(r.token.empty());
  // The token replays it.
  const weft::report again = weft::replay(sequential_inversion, r.token, o);
  CHECK(again.kind == weft::finding_kind::lock_order_inversion);
}

TEST_CASE("lock order: policy off reports nothing", "[checker][lock_order]") {
  weft::check_options o;
  o.lock_order = weft::lock_order_policy::off;
  const weft::report r = weft::check(sequential_inversion, o);
  CHECK(r.passed());
  CHECK(r.warnings.empty());
}

TEST_CASE("lock order: one global order is not an inversion", "[checker][lock_order]") {
  const weft::report r = weft::check([] {
    weft::mutex m1;
    weft::mutex m2;
    auto nested = [&] {
      const std::lock_guard first(m1);
      const std::lock_guard second(m2);
    };
    weft::thread a(nested), b(nested);
    a.join();
    b.join();
  });
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.warnings.empty());
}

TEST_CASE("lock order: opposite orders under a common gate lock are not reported",
          "[checker][lock_order]") {
  const weft::report r = weft::check([] {
    weft::mutex gate;
    weft::mutex m1;
    weft::mutex m2;
    weft::thread a([&] {
      const std::lock_guard g(gate);
      const std::lock_guard first(m1);
      const std::lock_guard second(m2);
    });
    weft::thread b([&] {
      const std::lock_guard g(gate);
      const std::lock_guard first(m2);
      const std::lock_guard second(m1);
    });
    a.join();
    b.join();
  });
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.warnings.empty());
}

// Three threads take locks k and k+1 (mod 3) in a ring, two at a time (a
// semaphore with two seats keeps them from deadlocking). Which lock is
// mutex#1 depends on which thread runs first, so the cycle reads
// differently in different executions; it is still one inversion, reported
// once.
TEST_CASE("lock order: the same inversion seen in many executions is one warning",
          "[checker][lock_order]") {
  weft::check_options o;
  o.executions = 300;
  const weft::report r = weft::check(
      [] {
        std::array<weft::mutex, 3> forks;
        weft::counting_semaphore<2> seats(2);
        auto eat = [&](std::size_t k) {
          seats.acquire();
          forks[k].lock();
          forks[(k + 1) % 3].lock();
          forks[(k + 1) % 3].unlock();
          forks[k].unlock();
          seats.release();
        };
        weft::thread a(eat, 0), b(eat, 1), c(eat, 2);
        a.join();
        b.join();
        c.join();
      },
      o);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 300);
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0], Catch::Contains("thread 2 took") && Catch::Contains("thread 3 took") &&
                                Catch::Contains("thread 4 took"));
}
