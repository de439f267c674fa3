#include "weft/internal/lock_owner.hpp"

#include <string>
#include <system_error>

namespace weft::internal {

void lock_owner::report_relock(seam::object_ref object, std::string_view what, seam::thread_id me,
                               weft::source_location where) {
  seam::report_misuse({object, me, me, what, where});
  std::string message(object.type);
  message += ": ";
  message += what;
  throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur), message);
}

void lock_owner::report_bad_unlock(seam::object_ref object, seam::thread_id me,
                                   seam::thread_id owner, weft::source_location where) {
  seam::report_misuse(
      {object, me, owner,
       owner == 0 ? "unlock of a lock that is not held" : "unlock by a thread that does not own it",
       where});
}

void lock_owner::report_not_held(seam::object_ref object, seam::thread_id me, seam::thread_id owner,
                                 weft::source_location where) {
  seam::report_misuse(
      {object, me, owner, "assert_held: the calling thread does not hold the lock", where});
}

}  // namespace weft::internal
