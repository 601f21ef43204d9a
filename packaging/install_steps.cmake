# Install steps that only the Debian packages take (EXCLUDE_FROM_ALL), for packaging/CMakeLists.txt.
# Each becomes install(CODE) run by cpack with DESTDIR set; @VAR@ is filled in at configure time,
# ${VAR} at install time.

find_program(AWSFOTA_HELP2MAN help2man)

# awsfota_man_page(TARGET COMPONENT SUMMARY): section 1 page of the program made from its --help by
# help2man, gzip -9n. A cross build runs the program under CMAKE_CROSSCOMPILING_EMULATOR (a wrapper
# of the program's name, since help2man names the page after what it runs); without an emulator, or
# without help2man, the package has no man page (lintian: no-manual-page, docs/packaging.md).
function(awsfota_man_page target component summary)
  if(NOT AWSFOTA_HELP2MAN)
    message(STATUS "packaging: no help2man, so ${target} gets no man page")
    return()
  endif()
  set(PROGRAM "$<TARGET_FILE:${target}>")
  set(NAME "$<TARGET_FILE_NAME:${target}>")
  if(CMAKE_CROSSCOMPILING)
    if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
      message(STATUS "packaging: cross build without an emulator, so ${target} gets no man page")
      return()
    endif()
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " emulator)
    set(wrapper "${CMAKE_CURRENT_BINARY_DIR}/man-wrappers/${NAME}")
    file(GENERATE OUTPUT "${wrapper}" CONTENT "#!/bin/sh\nexec ${emulator} ${PROGRAM} \"$@\"\n"
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    set(PROGRAM "${wrapper}")
  endif()
  set(SUMMARY "${summary}")
  set(code [=[
    set(dir "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/@CMAKE_INSTALL_MANDIR@/man1")
    file(MAKE_DIRECTORY "${dir}")
    execute_process(
      COMMAND "@AWSFOTA_HELP2MAN@" --no-info --version-string=@PROJECT_VERSION@ "--name=@SUMMARY@" "@PROGRAM@"
      COMMAND gzip -9n
      OUTPUT_FILE "${dir}/@NAME@.1.gz" RESULTS_VARIABLE results ERROR_VARIABLE errors)
    if(NOT results STREQUAL "0;0")
      message(FATAL_ERROR "help2man could not make the man page of @NAME@ (${results}): ${errors}")
    endif()
  ]=])
  string(CONFIGURE "${code}" code @ONLY)
  install(CODE "${code}" COMPONENT ${component} EXCLUDE_FROM_ALL)
endfunction()

# awsfota_strip_as_dh_strip(COMPONENT DIR GLOB): when cpack strips (CPACK_STRIP_FILES), the files of
# GLOB under DIR of the install prefix are stripped the rest of the way dh_strip goes for a Debian
# package: CMake's strip leaves the .comment section (the compiler's version) in programs and keeps
# the debug sections of static libraries.
function(awsfota_strip_as_dh_strip component dir glob)
  set(DIR "${dir}")
  set(GLOB "${glob}")
  set(code [=[
    if(CMAKE_INSTALL_DO_STRIP)
      file(GLOB files "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/@DIR@/@GLOB@")
      foreach(f IN LISTS files)
        execute_process(COMMAND "@CMAKE_STRIP@" --strip-debug --remove-section=.comment --remove-section=.note
          --enable-deterministic-archives "${f}" COMMAND_ERROR_IS_FATAL ANY)
      endforeach()
    endif()
  ]=])
  string(CONFIGURE "${code}" code @ONLY)
  install(CODE "${code}" COMPONENT ${component} EXCLUDE_FROM_ALL)
endfunction()
