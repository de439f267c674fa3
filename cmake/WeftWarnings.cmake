# weft_target_warnings(<target>): the project's warning set, private to our own
# targets so that consumers never inherit weft's flags.
function(weft_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # Checks the WEFT_GUARDED_BY / WEFT_REQUIRES annotations.
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(WEFT_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
