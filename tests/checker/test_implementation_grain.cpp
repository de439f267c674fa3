// weft is its own first customer: its primitives' algorithms checked at
// implementation grain, over modelled atomics and futexes.
#include <catch2/catch.hpp>
#include <mutex>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/condition_variable.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace {

template <typename Lock>
void mutual_exclusion(int threads, int rounds) {
  Lock m;
  weft::shared<int> inside{0};
  weft::shared<int> total{0};
  auto body = [&] {
    for (int i = 0; i < rounds; ++i) {
      std::lock_guard guard(m);
      inside.set(inside.get() + 1);
      WEFT_ASSERT(inside.get() == 1);
      total.set(total.get() + 1);
      inside.set(inside.get() - 1);
    }
  };
  weft::thread a(body);
  weft::thread b(body);
  weft::thread c;
  if (threads == 3) c = weft::thread(body);
  a.join();
  b.join();
  if (c.joinable()) c.join();
  WEFT_ASSERT(total.get() == threads * rounds);
}

// A broken lock: test-then-set is not atomic.
class broken_lock {
 public:
  void lock() {
    while (locked_.load()) {
      weft::this_thread::yield();
    }
    locked_.store(true);
  }
  void unlock() { locked_.store(false); }

 private:
  weft::atomic<bool> locked_{false};
};

}  // namespace

TEST_CASE("implementation grain: weft::mutex provides mutual exclusion", "[checker]") {
  const int threads = GENERATE(2, 3);
  weft::check_options options;
  options.grain = weft::grain::implementation;
  options.executions = 2000;
  const weft::report r =
      weft::check([threads] { mutual_exclusion<weft::mutex>(threads, 2); }, options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 2000);
}

TEST_CASE("implementation grain: a broken lock is caught", "[checker]") {
  weft::check_options options;
  options.grain = weft::grain::implementation;
  const weft::report r = weft::check([] { mutual_exclusion<broken_lock>(2, 1); }, options);
  INFO(weft::to_string(r));
  // Both threads get in; their accesses to `inside` are then unordered, so
  // the race detector reports it, at the latest when the assertion would.
  REQUIRE((r.kind == weft::finding_kind::data_race || r.kind == weft::finding_kind::assertion));
  if (r.kind == weft::finding_kind::assertion) {
    CHECK(r.message.find("inside.get() == 1") != std::string::npos);
  } else {
    CHECK(r.message.find("data race on shared#1") != std::string::npos);
  }
}

TEST_CASE("implementation grain: condition_variable hand-off", "[checker]") {
  weft::check_options options;
  options.grain = weft::grain::implementation;
  options.executions = 1000;
  const weft::report r = weft::check(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        weft::shared<int> stage{0};
        weft::thread consumer([&] {
          std::unique_lock lock(m);
          cv.wait(lock, [&] { return stage.get() == 1; });
          stage.set(2);
          cv.notify_one();
        });
        {
          std::unique_lock lock(m);
          stage.set(1);
          cv.notify_one();
          cv.wait(lock, [&] { return stage.get() == 2; });
        }
        consumer.join();
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
}
