# meshrtc's CMake package:
#   find_package(meshrtc CONFIG REQUIRED)
#   target_link_libraries(your_target PRIVATE meshrtc::meshrtc)
# Point CMAKE_PREFIX_PATH (or meshrtc_DIR) at the unpacked archive. The
# package is relocatable: every path is taken from this file's location.
get_filename_component(_meshrtc_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(WIN32)
  set(_meshrtc_library "${_meshrtc_prefix}/bin/meshrtc.dll")
  set(_meshrtc_type SHARED)
elseif(IOS)
  set(_meshrtc_library "${_meshrtc_prefix}/lib/libmeshrtc.a")
  set(_meshrtc_type STATIC)
elseif(APPLE)
  set(_meshrtc_library "${_meshrtc_prefix}/lib/libmeshrtc.dylib")
  set(_meshrtc_type SHARED)
else()
  set(_meshrtc_library "${_meshrtc_prefix}/lib/libmeshrtc.so")
  set(_meshrtc_type SHARED)
endif()

if(NOT EXISTS "${_meshrtc_library}")
  set(meshrtc_FOUND FALSE)
  set(meshrtc_NOT_FOUND_MESSAGE
      "${_meshrtc_library} is missing: this meshrtc archive is for another platform")
  return()
endif()

if(NOT TARGET meshrtc::meshrtc)
  add_library(meshrtc::meshrtc ${_meshrtc_type} IMPORTED)
  set_target_properties(meshrtc::meshrtc PROPERTIES
    IMPORTED_LOCATION "${_meshrtc_library}"
    INTERFACE_INCLUDE_DIRECTORIES "${_meshrtc_prefix}/include")
  if(WIN32)
    # meshrtc.lib is the import library for MSVC and MinGW alike.
    set_target_properties(meshrtc::meshrtc PROPERTIES IMPORTED_IMPLIB "${_meshrtc_prefix}/lib/meshrtc.lib")
  elseif(IOS)
    # The Go runtime in the static archive needs these.
    set_target_properties(meshrtc::meshrtc PROPERTIES INTERFACE_LINK_LIBRARIES "-framework Security;resolv")
  endif()
endif()
unset(_meshrtc_library)
unset(_meshrtc_type)
unset(_meshrtc_prefix)
