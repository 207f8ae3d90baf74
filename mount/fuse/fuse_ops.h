// The fuse_lowlevel_ops table of opendfs-mount: each entry fetches the Fs
// from fuse_req_userdata() and calls its method of the same name.
#pragma once

#include <fuse_lowlevel.h>

namespace opendfs::mountfs {

const fuse_lowlevel_ops& FsOps();

}  // namespace opendfs::mountfs
