// Thread-pool benchmarks: weft::thread_pool against Boost.Asio's
// thread_pool and oneTBB, measured in the same run with the same number of
// threads.
//
//   empty_tasks/threads:N/<pool>    1,000,000 empty tasks submitted one by one
//                                   from the main thread, then wait for all
//   fib/threads:N/<pool>            fork-join fib(24): every call above the
//                                   cut-off forks one child and joins it
//                                   (Asio has no joining wait that does not
//                                   block a worker, so it is not in this one)
//   parallel_for/threads:N/<pool>   10,000,000 indices, a few flops each
//
// Waiting: weft uses wait_idle() / future::get(); TBB uses task_group::wait()
// (in a task_arena of N slots, one of which is the calling thread, which
// also runs tasks while it waits); Asio counts completed tasks in an atomic
// and the main thread waits on it (std::atomic::wait).
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cmath>
#include <cstddef>
#include <vector>

#include "weft/thread_pool.hpp"

namespace {

constexpr int empty_task_count = 1'000'000;
constexpr int fib_n = 24;
constexpr int fib_cutoff = 8;  // below it, plain recursion
constexpr std::size_t for_count = 10'000'000;

long fib_serial(int n) {
  return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2);
}

// ---- weft -------------------------------------------------------------------

void weft_empty_tasks(benchmark::State& state) {
  weft::thread_pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    for (int i = 0; i < empty_task_count; ++i)
      pool.post([] {});
    pool.wait_idle();
  }
  state.SetItemsProcessed(state.iterations() * empty_task_count);
}

long weft_fib(weft::thread_pool& pool, int n) {
  if (n < fib_cutoff) return fib_serial(n);
  auto left = pool.submit([&pool, n] { return weft_fib(pool, n - 1); });
  const long right = weft_fib(pool, n - 2);
  return left.get() + right;
}

void weft_fork_join(benchmark::State& state) {
  weft::thread_pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(pool.submit([&pool] { return weft_fib(pool, fib_n); }).get());
  }
}

void weft_parallel_for(benchmark::State& state) {
  weft::thread_pool pool(static_cast<std::size_t>(state.range(0)));
  std::vector<double> out(for_count);
  for (auto _ : state) {
    pool.parallel_for(std::size_t{0}, for_count,
                      [&out](std::size_t i) { out[i] = std::sqrt(static_cast<double>(i)) * 0.5; });
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(for_count));
}

// ---- oneTBB -----------------------------------------------------------------

void tbb_empty_tasks(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([] {
      tbb::task_group group;
      for (int i = 0; i < empty_task_count; ++i)
        group.run([] {});
      group.wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * empty_task_count);
}

long tbb_fib(int n) {
  if (n < fib_cutoff) return fib_serial(n);
  long left = 0;
  tbb::task_group group;
  group.run([&left, n] { left = tbb_fib(n - 1); });
  const long right = tbb_fib(n - 2);
  group.wait();
  return left + right;
}

void tbb_fork_join(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([] { benchmark::DoNotOptimize(tbb_fib(fib_n)); });
  }
}

void tbb_parallel_for(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  std::vector<double> out(for_count);
  for (auto _ : state) {
    arena.execute([&out] {
      tbb::parallel_for(std::size_t{0}, for_count, [&out](std::size_t i) {
        out[i] = std::sqrt(static_cast<double>(i)) * 0.5;
      });
    });
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(for_count));
}

// ---- Boost.Asio -------------------------------------------------------------

void wait_for_zero(std::atomic<long>& remaining) {
  for (long left = remaining.load(); left != 0; left = remaining.load())
    remaining.wait(left);
}

void count_down(std::atomic<long>& remaining) {
  if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining.notify_all();
}

void asio_empty_tasks(benchmark::State& state) {
  boost::asio::thread_pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::atomic<long> remaining{empty_task_count};
    for (int i = 0; i < empty_task_count; ++i)
      boost::asio::post(pool, [&remaining] { count_down(remaining); });
    wait_for_zero(remaining);
  }
  pool.join();
  state.SetItemsProcessed(state.iterations() * empty_task_count);
}

void asio_parallel_for(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  boost::asio::thread_pool pool(threads);
  std::vector<double> out(for_count);
  // The usual hand-chunking: 8 chunks per thread.
  const std::size_t chunks = threads * 8;
  for (auto _ : state) {
    std::atomic<long> remaining{static_cast<long>(chunks)};
    for (std::size_t c = 0; c < chunks; ++c) {
      boost::asio::post(pool, [&out, &remaining, c, chunks] {
        const std::size_t lo = for_count * c / chunks;
        const std::size_t hi = for_count * (c + 1) / chunks;
        for (std::size_t i = lo; i < hi; ++i)
          out[i] = std::sqrt(static_cast<double>(i)) * 0.5;
        count_down(remaining);
      });
    }
    wait_for_zero(remaining);
    benchmark::DoNotOptimize(out.data());
  }
  pool.join();
  state.SetItemsProcessed(state.iterations() * static_cast<long>(for_count));
}

void thread_args(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(weft_empty_tasks)->Name("empty_tasks/weft")->Apply(thread_args);
BENCHMARK(tbb_empty_tasks)->Name("empty_tasks/tbb")->Apply(thread_args);
BENCHMARK(asio_empty_tasks)->Name("empty_tasks/asio")->Apply(thread_args);
BENCHMARK(weft_fork_join)->Name("fib/weft")->Apply(thread_args);
BENCHMARK(tbb_fork_join)->Name("fib/tbb")->Apply(thread_args);
BENCHMARK(weft_parallel_for)->Name("parallel_for/weft")->Apply(thread_args);
BENCHMARK(tbb_parallel_for)->Name("parallel_for/tbb")->Apply(thread_args);
BENCHMARK(asio_parallel_for)->Name("parallel_for/asio")->Apply(thread_args);

BENCHMARK_MAIN();
