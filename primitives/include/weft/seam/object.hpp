// weft/seam/object.hpp
//
// Scenario-grain brackets and misuse reports.
//
// Every public operation of a primitive runs its body through
// `seam::observe`. Natively that is the seam's one branch and then the body,
// with nothing else materialised on the fast path. Under a runtime it
// reports `op_begin` before the body and `op_end` after it, with the outcome
// (a bool body's result; true for a void body; false when the body throws).
//
//   void lock(weft::source_location where = weft::source_location::current()) {
//     seam::observe(this, type_name, seam::op_kind::lock, where,
//                   [this, where] { lock_impl(where); });
//   }
//
// `seam::observe_transparent` is the same for an operation whose inside a
// checker at scenario grain keeps visible (see seam::op_body): natively the
// two are identical.
//
// Capture by value (the body is passed by value too): a body that captures
// by reference forces its captures into memory on the native fast path, and
// the stores then stall the locked instruction that follows (measured: an
// uncontended weft::mutex lock/unlock went from ~12 ns to ~26 ns).
#pragma once

#include <type_traits>
#include <utility>
#include "weft/source_location.hpp"

#include "weft/seam/runtime.hpp"

namespace weft::seam {

namespace internal {

// Reports op_end at destruction, with the outcome set before (false if the
// body throws).
class op_end_scope {
 public:
  op_end_scope(runtime* rt, object_ref object, op_kind kind) noexcept
      : rt_(rt), object_(object), kind_(kind) {}
  op_end_scope(const op_end_scope&) = delete;
  op_end_scope& operator=(const op_end_scope&) = delete;
  ~op_end_scope() { rt_->op_end(object_, kind_, succeeded_); }

  void set_result(bool ok) noexcept { succeeded_ = ok; }

 private:
  runtime* rt_;
  object_ref object_;
  op_kind kind_;
  bool succeeded_ = false;  // stays false if the body throws
};

// The body and op_end of an operation under a runtime, out of line: the
// native fast path keeps only the branch to it.
template <typename F>
[[gnu::noinline]] decltype(auto) finish_under_runtime(runtime* rt, const void* object,
                                                      std::string_view type, op_kind kind, F body) {
  op_end_scope scope(rt, object_ref{object, type}, kind);
  if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
    body();
    scope.set_result(true);
  } else {
    decltype(auto) result = body();
    if constexpr (std::is_convertible_v<decltype(result), bool>) {
      scope.set_result(static_cast<bool>(result));
    } else {
      scope.set_result(true);
    }
    return result;
  }
}

// Under a runtime: op_begin, then the rest out of line. op_begin is called
// from the operation's own frame because a checker switches threads inside
// it, and after a switch every call level between the user's code and the
// switch costs a mispredicted return when the thread resumes (measured:
// 10% of a short check's time for this one level). If op_begin throws (a
// checker unwinding the thread), op_end is not reported; nothing between
// op_begin and the body may throw, hence a body that moves without
// throwing. (By value, not by reference: a body whose address is taken
// lives in memory on the native fast path too, which costs the native
// weft::mutex 7 ns a lock/unlock.)
template <typename F>
[[gnu::always_inline]] inline decltype(auto) observe_under_runtime(runtime* rt, const void* object,
                                                                   std::string_view type,
                                                                   op_kind kind, op_body inside,
                                                                   weft::source_location where,
                                                                   F& body) {
  static_assert(std::is_nothrow_move_constructible_v<F>,
                "an operation's body is moved after op_begin: its move must not throw");
  rt->op_begin(object_ref{object, type}, kind, inside, where);
  return finish_under_runtime(rt, object, type, kind, std::move(body));
}

}  // namespace internal

// Runs `body` as the public operation `kind` on `object` (see above).
template <typename F>
decltype(auto) observe(const void* object, std::string_view type, op_kind kind,
                       weft::source_location where, F body) {
  if (runtime* rt = active()) [[unlikely]] {
    return internal::observe_under_runtime(rt, object, type, kind, op_body::opaque, where, body);
  }
  return body();
}

// As observe, for a transparent operation (see seam::op_body).
template <typename F>
decltype(auto) observe_transparent(const void* object, std::string_view type, op_kind kind,
                                   weft::source_location where, F body) {
  if (runtime* rt = active()) [[unlikely]] {
    return internal::observe_under_runtime(rt, object, type, kind, op_body::transparent, where,
                                           body);
  }
  return body();
}

namespace internal {
void dispatch_misuse(const misuse_report& report);
}

// Reports a misuse: to the runtime under a checker, otherwise to the
// process's misuse handler (see weft/misuse.hpp). Returns if the handler
// returns; the primitive then behaves as its header documents for that misuse.
inline void report_misuse(const misuse_report& report) {
  if (runtime* rt = active()) [[unlikely]] {
    rt->misuse(report);
    return;
  }
  internal::dispatch_misuse(report);
}

}  // namespace weft::seam
