// weft::thread, weft::atomic and weft::shared natively (no checker): they
// behave as std::thread, std::atomic and a plain variable.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "weft/atomic.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

TEST_CASE("thread: runs the callable with decay-copied arguments", "[thread]") {
  int result = 0;
  auto owned = std::make_unique<int>(5);
  weft::thread t([&result](int a, std::unique_ptr<int> b) { result = a + *b; }, 2,
                 std::move(owned));
  CHECK(t.joinable());
  CHECK(t.get_id() != weft::thread::id());
  CHECK(t.get_id() != weft::this_thread::get_id());
  t.join();
  CHECK_FALSE(t.joinable());
  CHECK(t.get_id() == weft::thread::id());
  CHECK(result == 7);
}

TEST_CASE("thread: move, swap, detach and hardware_concurrency", "[thread]") {
  weft::atomic<int> done{0};
  weft::thread a([&done] { done.fetch_add(1); });
  weft::thread b(std::move(a));
  CHECK_FALSE(a.joinable());  // NOLINT(bugprone-use-after-move): moved-from is empty
  weft::thread c;
  c.swap(b);
  CHECK(c.joinable());
  c.join();
  CHECK(done.load() == 1);

  weft::atomic<bool> detached_ran{false};
  weft::thread d([&detached_ran] { detached_ran.store(true); });
  d.detach();
  CHECK_FALSE(d.joinable());
  while (!detached_ran.load())
    weft::this_thread::yield();
  CHECK(weft::thread::hardware_concurrency() >= 1);
}

TEST_CASE("atomic: std::atomic semantics for integers", "[atomic]") {
  weft::atomic<int> a{5};
  CHECK(a.load(std::memory_order_relaxed) == 5);
  a.store(7, std::memory_order_release);
  CHECK(a.exchange(9) == 7);
  int expected = 1;
  CHECK_FALSE(a.compare_exchange_strong(expected, 2));
  CHECK(expected == 9);
  // Weak CAS may fail spuriously: retry, as callers do.
  while (
      !a.compare_exchange_weak(expected, 2, std::memory_order_acq_rel, std::memory_order_acquire)) {
    REQUIRE(expected == 9);
  }
  CHECK(a == 2);
  CHECK(a.fetch_add(3) == 2);
  CHECK(a.fetch_sub(1) == 5);
  CHECK(a.fetch_or(8) == 4);
  CHECK(a.fetch_and(12) == 12);
  CHECK(a.fetch_xor(4) == 12);
  CHECK(++a == 9);
  CHECK(a++ == 9);
  CHECK(--a == 9);
  CHECK((a += 11) == 20);
  CHECK((a -= 5) == 15);
  CHECK((a |= 16) == 31);
  CHECK((a &= 7) == 7);
  CHECK((a ^= 1) == 6);
  a = 0;
  CHECK(a.load() == 0);
  CHECK(weft::atomic<int>::is_always_lock_free);
}

TEST_CASE("atomic: pointer arithmetic counts elements", "[atomic]") {
  std::vector<int> values{10, 20, 30, 40};
  weft::atomic<int*> p{values.data()};
  CHECK(*p.fetch_add(2) == 10);
  CHECK(*p.load() == 30);
  CHECK(*--p == 20);
  CHECK(*(p += 2) == 40);
  CHECK(*p.fetch_sub(3) == 40);
  CHECK(p.load() == values.data());
}

TEST_CASE("atomic: concurrent fetch_add loses no increment", "[atomic][stress]") {
  const int threads = GENERATE(2, 4);
  weft::atomic<long> counter{0};
  std::vector<weft::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&counter] {
      for (int k = 0; k < 10'000; ++k)
        counter.fetch_add(1, std::memory_order_relaxed);
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(counter.load() == threads * 10'000L);
}

TEST_CASE("shared: a plain value with reads and writes", "[shared]") {
  weft::shared<int> s{3};
  CHECK(s.get() == 3);
  s.set(4);
  CHECK(static_cast<int>(s) == 4);
  s = 10;
  s += 5;
  s -= 2;
  ++s;
  --s;
  CHECK(s.get() == 13);
  weft::shared<std::vector<int>> v;
  v.set({1, 2});
  CHECK(v.get().size() == 2);
}
