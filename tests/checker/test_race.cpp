// The data-race detector on weft::shared: vector clocks on their own, then
// races found and not found through joins, primitives and atomics.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "detect/race.hpp"
#include "detect/vector_clock.hpp"
#include "support/checker_programs.hpp"
#include "weft/atomic.hpp"
#include "weft/barrier.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace {

using weft::rt::vector_clock;

// Where the racy increment reads and writes, for the report's locations.
std::uint32_t g_read_line = 0;
std::uint32_t g_write_line = 0;

void unlocked_increment(weft::shared<int>& counter) {
  const auto read_at = weft::source_location::current();
  const int value = counter.get(read_at);
  const auto write_at = weft::source_location::current();
  counter.set(value + 1, write_at);
  g_read_line = read_at.line();
  g_write_line = write_at.line();
}

void racy_shared_counter() {
  weft::shared<int> counter{0};
  weft::thread a([&] { unlocked_increment(counter); });
  weft::thread b([&] { unlocked_increment(counter); });
  a.join();
  b.join();
}

void flag_publication(std::memory_order store_order, std::memory_order load_order) {
  weft::shared<int> data{0};
  weft::atomic<bool> ready{false};
  weft::thread producer([&] {
    data.set(42);
    ready.store(true, store_order);
  });
  while (!ready.load(load_order)) {
    weft::this_thread::yield();
  }
  WEFT_ASSERT(data.get() == 42);
  producer.join();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("vector_clock: starts empty and increments one component", "[checker][race]") {
  vector_clock c;
  CHECK(c.size() == 0);
  CHECK(c.get(1) == 0);
  CHECK(c.get(64) == 0);
  c.increment(3);
  c.increment(3);
  CHECK(c.get(3) == 2);
  CHECK(c.get(1) == 0);
  CHECK(c.size() == 3);
  c.clear();
  CHECK(c.get(3) == 0);
  CHECK(c.size() == 0);
}

TEST_CASE("vector_clock: join is the component-wise maximum", "[checker][race]") {
  vector_clock a;
  vector_clock b;
  a.set(1, 5);
  a.set(2, 1);
  b.set(2, 3);
  b.set(64, 7);
  a.join(b);
  CHECK(a.get(1) == 5);
  CHECK(a.get(2) == 3);
  CHECK(a.get(64) == 7);
  CHECK(a.size() == 64);
  CHECK(b.get(1) == 0);  // the argument is unchanged
}

TEST_CASE("vector_clock: happens-before comparison", "[checker][race]") {
  vector_clock a;
  vector_clock b;
  CHECK(a.happens_before_or_equal(b));  // both empty
  a.set(1, 1);
  CHECK_FALSE(a.happens_before_or_equal(b));
  CHECK(b.happens_before_or_equal(a));
  b.join(a);
  b.increment(2);
  CHECK(a.happens_before_or_equal(b));
  CHECK_FALSE(b.happens_before_or_equal(a));
  a.increment(1);  // concurrent now: neither is before the other
  CHECK_FALSE(a.happens_before_or_equal(b));
  CHECK_FALSE(b.happens_before_or_equal(a));
  vector_clock c = a;
  CHECK(c == a);
  CHECK_FALSE(c == b);

  const weft::rt::epoch e{1, 1};
  CHECK(e.happens_before(b));
  CHECK_FALSE((weft::rt::epoch{1, 2}).happens_before(b));
  CHECK_FALSE((weft::rt::epoch{3, 1}).happens_before(b));
}

TEST_CASE("race_detector: conflicts by epoch, reads subsumed", "[checker][race]") {
  weft::rt::race_detector d;
  int x = 0;
  const auto here = weft::source_location::current();
  vector_clock t1;
  t1.set(1, 1);
  vector_clock t2;
  t2.set(2, 1);
  CHECK_FALSE(d.on_access(&x, true, 1, t1, here));
  const auto conflict = d.on_access(&x, false, 2, t2, here);  // not ordered: a race
  REQUIRE(conflict);
  CHECK(conflict->is_write);
  CHECK(conflict->epoch.thread == 1);

  d.reset();
  CHECK_FALSE(d.on_access(&x, true, 1, t1, here));
  t2.join(t1);  // thread 2 now after thread 1's write
  CHECK_FALSE(d.on_access(&x, false, 2, t2, here));
  CHECK_FALSE(d.on_access(&x, false, 1, t1, here));       // read-read is no race
  const auto write = d.on_access(&x, true, 1, t1, here);  // thread 2's read is not before it
  REQUIRE(write);
  CHECK_FALSE(write->is_write);
  CHECK(write->epoch.thread == 2);
}

TEST_CASE("race: unlocked increments of a weft::shared are a data race", "[checker][race]") {
  const weft::report r = weft::check(racy_shared_counter);
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::data_race);
  CHECK(contains(r.message, "data race on shared#1"));
  CHECK(contains(r.message, "thread 2"));
  CHECK(contains(r.message, "thread 3"));
  CHECK(contains(r.message, "test_race.cpp:" + std::to_string(g_read_line)));
  CHECK(contains(r.message, "test_race.cpp:" + std::to_string(g_write_line)));
  CHECK(contains(r.message, "write by thread"));
  CHECK(contains(r.message, "read by thread"));
  CHECK(r.details.size() >= 2);
  REQUIRE_FALSE(r.trace.empty());
  CHECK(r.trace.back().operation == "data race");
  CHECK(contains(weft::to_string(r), "FAIL (data race)"));
  const auto json = nlohmann::json::parse(weft::to_json(r));
  CHECK(json["kind"] == "data race");
  CHECK(json["message"] == r.message);
}

TEST_CASE("race: the same increments under a weft::mutex pass", "[checker][race]") {
  weft::check_options options;
  options.grain = GENERATE(weft::grain::scenario, weft::grain::implementation);
  options.executions = 1000;
  const weft::report r = weft::check([] { weft::testing::mutex_counter(2, 1); }, options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 1000);
}

TEST_CASE("race: writes ordered only by spawn and join pass", "[checker][race]") {
  weft::check_options options;
  options.executions = 500;
  const weft::report r = weft::check(
      [] {
        weft::shared<int> value{0};
        value.set(1);
        weft::thread a([&] { value.set(value.get() + 1); });
        a.join();
        weft::thread b([&] { value.set(value.get() + 1); });
        b.join();
        WEFT_ASSERT(value.get() == 3);
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("race: a write racing with the parent after spawn is found", "[checker][race]") {
  const weft::report r = weft::check([] {
    weft::shared<int> value{0};
    weft::thread a([&] { value.set(1); });
    value.set(2);  // not ordered with the child's write
    a.join();
  });
  INFO(weft::to_string(r));
  CHECK(r.kind == weft::finding_kind::data_race);
}

TEST_CASE("race: publication through a release/acquire atomic flag passes", "[checker][race]") {
  weft::check_options options;
  options.executions = 500;
  const auto orders = GENERATE(std::pair{std::memory_order_release, std::memory_order_acquire},
                               std::pair{std::memory_order_seq_cst, std::memory_order_seq_cst});
  const weft::report r =
      weft::check([orders] { flag_publication(orders.first, orders.second); }, options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("race: a relaxed atomic flag does not synchronize", "[checker][race]") {
  const auto orders = GENERATE(std::pair{std::memory_order_relaxed, std::memory_order_relaxed},
                               std::pair{std::memory_order_release, std::memory_order_relaxed},
                               std::pair{std::memory_order_relaxed, std::memory_order_acquire});
  const weft::report r = weft::check([orders] { flag_publication(orders.first, orders.second); });
  INFO(weft::to_string(r));
  REQUIRE(r.kind == weft::finding_kind::data_race);
  CHECK(contains(r.message, "read by thread 1"));
  CHECK(contains(r.message, "write by thread 2"));
}

TEST_CASE("race: a value only read by several threads passes", "[checker][race]") {
  weft::check_options options;
  options.executions = 500;
  const weft::report r = weft::check(
      [] {
        weft::shared<int> config{0};
        config.set(7);  // before the threads start
        auto reader = [&] { WEFT_ASSERT(config.get() == 7); };
        weft::thread a(reader);
        weft::thread b(reader);
        WEFT_ASSERT(config.get() == 7);
        a.join();
        b.join();
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("race: a condition variable hand-off passes at scenario grain", "[checker][race]") {
  weft::check_options options;
  options.executions = 500;
  const weft::report r = weft::check(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        weft::shared<int> stage{0};
        weft::shared<int> payload{0};
        weft::thread consumer([&] {
          {
            std::unique_lock lock(m);
            cv.wait(lock, [&] { return stage.get() == 1; });
          }
          WEFT_ASSERT(payload.get() == 5);  // published before the notify
          payload.set(6);
        });
        payload.set(5);
        {
          std::lock_guard lock(m);
          stage.set(1);
        }
        cv.notify_one();
        consumer.join();
        WEFT_ASSERT(payload.get() == 6);
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("race: a barrier orders the phases of its threads", "[checker][race]") {
  // A thread blocked in arrive_and_wait is released by the last arrival:
  // what each did before arriving happens before what any does after.
  weft::check_options options;
  options.grain = GENERATE(weft::grain::scenario, weft::grain::implementation);
  options.executions = 500;
  const weft::report r = weft::check(
      [] {
        weft::barrier<> sync(2);
        weft::shared<int> left{0};
        weft::shared<int> right{0};
        weft::thread t([&] {
          right.set(2);
          sync.arrive_and_wait();
          WEFT_ASSERT(left.get() == 1);
        });
        left.set(1);
        sync.arrive_and_wait();
        WEFT_ASSERT(right.get() == 2);
        t.join();
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}

TEST_CASE("race: a data race replays from its token to the same trace", "[checker][race]") {
  const weft::report found = weft::check(racy_shared_counter);
  REQUIRE(found.kind == weft::finding_kind::data_race);
  const weft::report again = weft::replay(racy_shared_counter, found.token);
  INFO(weft::to_string(again));
  REQUIRE(again.kind == weft::finding_kind::data_race);
  CHECK(again.message == found.message);
  CHECK(again.details == found.details);
  REQUIRE(again.trace.size() == found.trace.size());
  for (std::size_t i = 0; i < found.trace.size(); ++i) {
    CHECK(again.trace[i].thread == found.trace[i].thread);
    CHECK(again.trace[i].operation == found.trace[i].operation);
    CHECK(again.trace[i].object == found.trace[i].object);
    CHECK(again.trace[i].detail == found.trace[i].detail);
    CHECK(again.trace[i].line == found.trace[i].line);
  }
}
