// weft::check and weft::replay: the search loop around executions.
#include "weft/check.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "detect/deadlock.hpp"
#include "report/token.hpp"
#include "rt/execution.hpp"
#include "rt/fiber.hpp"
#include "rt/sanitizers.hpp"
#include "rt/strategy.hpp"

namespace weft {

namespace {

#if defined(WEFT_RT_ASAN) || defined(WEFT_RT_TSAN)
constexpr std::size_t stack_size = std::size_t{1} << 20U;  // sanitizers need deeper stacks
#else
constexpr std::size_t stack_size = std::size_t{256} << 10U;
#endif

using clock = std::chrono::steady_clock;

void fill_failure(report& r, const rt::execution& ex) {
  const rt::finding& f = *ex.failure();
  r.verdict = verdict::fail;
  r.kind = f.kind;
  r.message = f.message;
  r.details = f.details;
}

// Re-runs one execution from its decisions with tracing on: the search
// records only decisions, so that tracing costs nothing until a failure.
void run_traced(const std::function<void()>& test, const check_options& options,
                std::vector<std::uint32_t> decisions, rt::stack_pool& stacks, report& r) {
  rt::replay_strategy replay(std::move(decisions));
  rt::execution ex(options, replay, stacks, /*tracing=*/true);
  ex.run(test);
  r.trace = std::move(ex.trace());
  r.statistics.steps += ex.steps();
  if (ex.failure()) {
    fill_failure(r, ex);
  } else {
    r.verdict = verdict::pass;
    r.kind = finding_kind::none;
    r.message.clear();
    r.details.clear();
  }
}

void finish_statistics(report& r, clock::time_point started, const rt::stack_pool& stacks) {
  r.statistics.seconds = std::chrono::duration<double>(clock::now() - started).count();
  r.statistics.executions_per_second =
      r.statistics.seconds > 0 ? static_cast<double>(r.statistics.executions) / r.statistics.seconds
                               : 0;
  r.statistics.stacks_allocated = stacks.allocated();
}

}  // namespace

report check(const std::function<void()>& test, const check_options& options) {
  const clock::time_point started = clock::now();
  const clock::time_point stop = started + options.time_budget;
  rt::stack_pool stacks(stack_size);
  rt::random_strategy strategy(options.seed);
  report r;
  for (std::uint64_t n = 0; n < options.executions; ++n) {
    if (n > 0 && clock::now() >= stop) break;
    rt::execution ex(options, strategy, stacks, /*tracing=*/false);
    ex.run(test);
    ++r.statistics.executions;
    r.statistics.steps += ex.steps();
    if (!ex.failure()) continue;

    fill_failure(r, ex);
    const std::vector<std::uint32_t> decisions = ex.decisions();
    r.token = rt::encode_token(decisions);
    const report found = r;
    run_traced(test, options, decisions, stacks, r);
    if (r.passed() || r.kind != found.kind) {
      // The traced re-run took another path: the test depends on something
      // other than the schedule.
      r.verdict = verdict::fail;
      r.kind = found.kind;
      r.message = found.message +
                  " [the trace below does not show it: re-running the same schedule behaved "
                  "differently, so the test is nondeterministic]";
      r.details = found.details;
    }
    break;
  }
  finish_statistics(r, started, stacks);
  return r;
}

report replay(const std::function<void()>& test, std::string_view token,
              const check_options& options) {
  const clock::time_point started = clock::now();
  rt::stack_pool stacks(stack_size);
  report r;
  r.token = std::string(token);
  std::vector<std::uint32_t> decisions;
  try {
    decisions = rt::decode_token(token);
  } catch (const rt::token_error& e) {
    r.verdict = verdict::fail;
    r.kind = finding_kind::replay_error;
    r.message = e.message;
    finish_statistics(r, started, stacks);
    return r;
  }
  run_traced(test, options, std::move(decisions), stacks, r);
  r.statistics.executions = 1;
  finish_statistics(r, started, stacks);
  return r;
}

std::string_view to_string(finding_kind kind) noexcept {
  switch (kind) {
    case finding_kind::none:
      return "none";
    case finding_kind::assertion:
      return "assertion failure";
    case finding_kind::exception:
      return "escaped exception";
    case finding_kind::deadlock:
      return "deadlock";
    case finding_kind::misuse:
      return "misuse";
    case finding_kind::max_steps:
      return "max steps exceeded";
    case finding_kind::unjoined_thread:
      return "unjoined thread";
    case finding_kind::too_many_threads:
      return "too many threads";
    case finding_kind::replay_error:
      return "replay error";
    case finding_kind::data_race:
      return "data race";
  }
  return "?";
}

namespace internal {

void assert_failed(const char* expression, weft::source_location where) {
  if (rt::execution* ex = rt::execution::current()) {
    ex->assertion_failed(expression, where);
    return;
  }
  std::fprintf(stderr, "WEFT_ASSERT(%s) failed at %s\n", expression,
               rt::format_location(where).c_str());
  std::abort();
}

}  // namespace internal

}  // namespace weft
