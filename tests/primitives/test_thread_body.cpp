// seam::thread_body: the move-only callable a seam thread runs. Small
// callables stay inside it, large or throwing-move ones go to the heap;
// either way each is moved, run and destroyed exactly once.
#include <array>
#include <catch2/catch.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "weft/seam/thread_body.hpp"
#include "weft/thread.hpp"

namespace {

// Counts the live instances of a callable of `Size` bytes.
template <std::size_t Size, bool NothrowMove = true>
struct counted {
  static inline int live = 0;
  int* runs;
  std::array<char, Size> payload{};
  explicit counted(int* r) : runs(r) { ++live; }
  counted(const counted& other) : runs(other.runs), payload(other.payload) { ++live; }
  counted(counted&& other) noexcept(NothrowMove) : runs(other.runs), payload(other.payload) {
    ++live;
  }
  counted& operator=(const counted&) = delete;
  counted& operator=(counted&&) = delete;
  ~counted() { --live; }
  void operator()() const { ++*runs; }
};

template <typename Callable>
void runs_moves_and_destroys_once() {
  int runs = 0;
  {
    weft::seam::thread_body body{Callable(&runs)};
    CHECK(static_cast<bool>(body));
    CHECK(Callable::live == 1);
    weft::seam::thread_body moved = std::move(body);
    CHECK_FALSE(static_cast<bool>(body));  // NOLINT(bugprone-use-after-move): specified empty
    CHECK(Callable::live == 1);
    moved();
    moved();
    CHECK(runs == 2);
    weft::seam::thread_body assigned;
    assigned = std::move(moved);
    assigned();
    CHECK(runs == 3);
    CHECK(Callable::live == 1);
  }
  CHECK(Callable::live == 0);
}

}  // namespace

TEST_CASE("thread_body: a small callable lives inside, moves and dies once", "[thread]") {
  runs_moves_and_destroys_once<counted<8>>();
}

TEST_CASE("thread_body: a trivially copyable callable moves as bytes and runs", "[thread]") {
  // References and scalars only: no relocate or destroy function, the
  // storage is copied. Its captures must arrive intact through moves.
  int runs = 0;
  int total = 0;
  const int add = runs + 5;  // not a constant: the lambda must capture it
  auto lambda = [&runs, &total, add] {
    ++runs;
    total += add;
  };
  static_assert(std::is_trivially_copyable_v<decltype(lambda)>);
  weft::seam::thread_body body{lambda};
  weft::seam::thread_body moved = std::move(body);
  CHECK_FALSE(static_cast<bool>(body));  // NOLINT(bugprone-use-after-move): specified empty
  weft::seam::thread_body assigned{counted<8>(&runs)};
  assigned = std::move(moved);  // destroys the counted callable first
  CHECK(counted<8>::live == 0);
  assigned();
  assigned();
  CHECK(runs == 2);
  CHECK(total == 10);
  assigned = nullptr;
  CHECK_FALSE(static_cast<bool>(assigned));
}

TEST_CASE("thread_body: a large callable goes to the heap, moves and dies once", "[thread]") {
  runs_moves_and_destroys_once<counted<weft::seam::thread_body::inline_size * 2>>();
}

TEST_CASE("thread_body: a callable whose move may throw goes to the heap", "[thread]") {
  runs_moves_and_destroys_once<counted<8, /*NothrowMove=*/false>>();
}

TEST_CASE("thread_body: holds move-only callables; reset by nullptr", "[thread]") {
  auto owned = std::make_unique<int>(41);
  int seen = 0;
  weft::seam::thread_body body = [p = std::move(owned), &seen] { seen = *p + 1; };
  body();
  CHECK(seen == 42);
  body = nullptr;
  CHECK_FALSE(static_cast<bool>(body));
  // Assigning over a live body destroys the old callable first.
  int runs = 0;
  weft::seam::thread_body first{counted<8>(&runs)};
  first = weft::seam::thread_body{counted<8>(&runs)};
  CHECK(counted<8>::live == 1);
  first = nullptr;
  CHECK(counted<8>::live == 0);
}

TEST_CASE("thread: runs a move-only callable with move-only arguments", "[thread]") {
  int result = 0;
  weft::thread t(
      [p = std::make_unique<int>(40), &result](std::unique_ptr<int> q) { result = *p + *q; },
      std::make_unique<int>(2));
  t.join();
  CHECK(result == 42);
}
