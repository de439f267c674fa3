// weft-demo: a short tour of the primitives on real threads, printing what
// each one guaranteed. The scenario checks replace it as weft's main job.
#include <weft/weft.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

bool demo_mutex() {
  constexpr int threads = 4;
  constexpr int iterations = 100000;
  weft::mutex m;
  long counter = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::lock_guard guard(m);
        ++counter;
      }
    });
  }
  for (auto& t : pool)
    t.join();
  const long expected = static_cast<long>(threads) * iterations;
  std::printf("mutex: %d threads x %d increments = %ld (expected %ld)\n", threads, iterations,
              counter, expected);
  return counter == expected;
}

bool demo_condition_variable() {
  constexpr int producers = 2;
  constexpr int consumers = 2;
  constexpr int per_producer = 20000;
  constexpr std::size_t capacity = 4;
  weft::mutex m;
  weft::condition_variable not_full;
  weft::condition_variable not_empty;
  std::vector<int> buffer;                                                           // guarded by m
  std::vector<int> consumed(static_cast<std::size_t>(producers) * per_producer, 0);  // guarded by m
  int producers_done = 0;                                                            // guarded by m
  std::vector<std::thread> pool;
  for (int p = 0; p < producers; ++p) {
    pool.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        {
          std::unique_lock lock(m);
          not_full.wait(lock, [&] { return buffer.size() < capacity; });
          buffer.push_back(p * per_producer + i);
        }
        not_empty.notify_one();
      }
      {
        std::lock_guard guard(m);
        ++producers_done;
      }
      not_empty.notify_all();
    });
  }
  for (int c = 0; c < consumers; ++c) {
    pool.emplace_back([&] {
      for (;;) {
        std::unique_lock lock(m);
        not_empty.wait(lock, [&] { return !buffer.empty() || producers_done == producers; });
        if (buffer.empty()) return;
        ++consumed[static_cast<std::size_t>(buffer.back())];
        buffer.pop_back();
        lock.unlock();
        not_full.notify_one();
      }
    });
  }
  for (auto& t : pool)
    t.join();
  int once = 0;
  for (const int n : consumed)
    once += n == 1 ? 1 : 0;
  std::printf(
      "condition_variable: %d producers -> %d consumers through a %zu-slot buffer: %d of %zu "
      "items consumed exactly once, no lost wake-up\n",
      producers, consumers, capacity, once, consumed.size());
  return once == static_cast<int>(consumed.size());
}

bool demo_semaphore() {
  constexpr int threads = 8;
  constexpr int permits = 3;
  constexpr int iterations = 20000;
  weft::counting_semaphore<permits> pool_slots(permits);
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        pool_slots.acquire();
        const int now = inside.fetch_add(1) + 1;
        int most = most_inside.load();
        while (now > most && !most_inside.compare_exchange_weak(most, now)) {
        }
        inside.fetch_sub(1);
        pool_slots.release();
      }
    });
  }
  for (auto& t : pool)
    t.join();
  std::printf("counting_semaphore<%d>: %d threads x %d entries, at most %d inside at once\n",
              permits, threads, iterations, most_inside.load());
  return most_inside.load() <= permits && pool_slots.available_for_diagnostics() == permits;
}

bool demo_latch() {
  constexpr int workers = 4;
  std::vector<long> parts(workers, 0);  // plain: published by count_down
  weft::latch done(workers);
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      parts[static_cast<std::size_t>(w)] = w + 1;
      done.count_down();
    });
  }
  done.wait();
  long sum = 0;
  for (const long p : parts)
    sum += p;
  for (auto& t : pool)
    t.join();
  const long expected = workers * (workers + 1) / 2;
  std::printf("latch: %d workers counted down; the waiter saw every part (sum %ld, expected %ld)\n",
              workers, sum, expected);
  return sum == expected;
}

bool demo_barrier() {
  constexpr int threads = 4;
  constexpr int phases = 1000;
  std::atomic<int> arrived{0};
  int completions = 0;  // plain: only the completion step writes it
  int short_phases = 0;
  weft::barrier sync(threads, [&]() noexcept {
    if (arrived.exchange(0) != threads) ++short_phases;
    ++completions;
  });
  std::atomic<int> released_early{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int p = 0; p < phases; ++p) {
        arrived.fetch_add(1);
        sync.arrive_and_wait();
        if (completions != p + 1) released_early.fetch_add(1);
      }
    });
  }
  for (auto& t : pool)
    t.join();
  std::printf(
      "barrier: %d threads x %d phases: %d completions, each after all %d arrivals (short: %d), "
      "none released before its completion (early: %d)\n",
      threads, phases, completions, threads, short_phases, released_early.load());
  return completions == phases && short_phases == 0 && released_early.load() == 0;
}

bool demo_spin_lock() {
  constexpr int threads = 4;
  constexpr int iterations = 100000;
  weft::spin_lock lock;
  long counter = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::lock_guard guard(lock);
        ++counter;
      }
    });
  }
  for (auto& t : pool)
    t.join();
  const long expected = static_cast<long>(threads) * iterations;
  std::printf("spin_lock: %d threads x %d increments = %ld (expected %ld)\n", threads, iterations,
              counter, expected);
  return counter == expected;
}

bool demo_ticket_lock() {
  constexpr int threads = 5;
  weft::ticket_lock lock;
  std::vector<int> served;  // guarded by lock
  std::vector<std::thread> pool;
  lock.lock();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      // Queue in the order 4, 3, 2, 1, 0: thread t takes its ticket once
      // every thread with a larger number has taken one.
      while (lock.queued_for_diagnostics() != static_cast<std::uint32_t>(threads - 1 - t))
        std::this_thread::yield();
      std::lock_guard guard(lock);
      served.push_back(t);
    });
  }
  while (lock.queued_for_diagnostics() != static_cast<std::uint32_t>(threads))
    std::this_thread::yield();
  lock.unlock();
  for (auto& t : pool)
    t.join();
  bool fifo = served.size() == static_cast<std::size_t>(threads);
  std::printf("ticket_lock: queued 4 3 2 1 0, served");
  for (std::size_t i = 0; i < served.size(); ++i) {
    std::printf(" %d", served[i]);
    fifo = fifo && served[i] == threads - 1 - static_cast<int>(i);
  }
  std::printf(" (FIFO: %s)\n", fifo ? "yes" : "NO");
  return fifo;
}

bool demo_shared_mutex() {
  constexpr int readers = 4;
  constexpr int writers = 2;
  constexpr int iterations = 20000;
  weft::shared_mutex m;
  long value = 0;  // guarded by m
  std::atomic<int> readers_inside{0};
  std::atomic<int> most_readers_together{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::unique_lock lock(m);
        if (readers_inside.load() != 0) overlaps.fetch_add(1);
        ++value;
      }
    });
  }
  for (int r = 0; r < readers; ++r) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::shared_lock lock(m);
        const int inside = readers_inside.fetch_add(1) + 1;
        int most = most_readers_together.load();
        while (inside > most && !most_readers_together.compare_exchange_weak(most, inside)) {
        }
        [[maybe_unused]] const long seen = value;
        for (int spin = 0; spin < 50; ++spin)  // a read section long enough to overlap
          weft::seam::cpu_relax();
        readers_inside.fetch_sub(1);
      }
    });
  }
  for (auto& t : pool)
    t.join();
  const long expected = static_cast<long>(writers) * iterations;
  std::printf(
      "shared_mutex: %d writers x %d increments = %ld (expected %ld); writers overlapping "
      "readers: %d; at most %d readers inside together\n",
      writers, iterations, value, expected, overlaps.load(), most_readers_together.load());
  return value == expected && overlaps.load() == 0;
}

long demo_fib(weft::thread_pool& pool, int n) {
  if (n < 2) return n;
  auto left = pool.submit([&pool, n] { return demo_fib(pool, n - 1); });
  const long right = demo_fib(pool, n - 2);
  return left.get() + right;  // a worker waiting here runs other tasks
}

bool demo_thread_pool() {
  constexpr std::size_t n = 1000000;
  weft::thread_pool pool(4);
  std::vector<long> values(n);
  pool.parallel_for(std::size_t{0}, n, [&](std::size_t i) { values[i] = static_cast<long>(i); });
  std::atomic<long> sum{0};
  pool.parallel_for(std::size_t{0}, n / 1000, [&](std::size_t block) {
    long part = 0;
    for (std::size_t i = block * 1000; i < (block + 1) * 1000; ++i)
      part += values[i];
    sum += part;
  });
  const long expected_sum = static_cast<long>(n) * (static_cast<long>(n) - 1) / 2;
  const long fib = demo_fib(pool, 20);
  pool.wait_idle();
  const weft::thread_pool_stats stats = pool.stats();
  std::printf(
      "thread_pool: parallel sum of 0..%zu = %ld (expected %ld); fork-join fib(20) = %ld "
      "(expected 6765); %llu tasks run, %llu stolen, %llu parks\n",
      n - 1, sum.load(), expected_sum, fib, static_cast<unsigned long long>(stats.run),
      static_cast<unsigned long long>(stats.stolen), static_cast<unsigned long long>(stats.parks));
  return sum.load() == expected_sum && fib == 6765 && stats.run == stats.submitted;
}

}  // namespace

int main() {
  bool ok = true;
  ok &= demo_mutex();
  ok &= demo_condition_variable();
  ok &= demo_semaphore();
  ok &= demo_latch();
  ok &= demo_barrier();
  ok &= demo_spin_lock();
  ok &= demo_ticket_lock();
  ok &= demo_shared_mutex();
  ok &= demo_thread_pool();
  std::puts(ok ? "weft-demo: all primitives behaved" : "weft-demo: FAILED");
  return ok ? 0 : 1;
}
