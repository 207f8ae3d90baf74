// AwaitEvents (schema/meta.fbs): a mount's long poll for cache invalidations,
// answered by Invalidations (invalidations.h) when events are queued for its
// session or its wait is over. Only the serving leader answers.
#include "metad/server/meta_server.h"
#include "metad/server/wire.h"

namespace opendfs::metad {
namespace {

fb::CacheEventKind ToWire(CacheEvent::Kind k) {
  switch (k) {
    case CacheEvent::Kind::kInode: return fb::CacheEventKind::Inode;
    case CacheEvent::Kind::kEntry: return fb::CacheEventKind::Entry;
    case CacheEvent::Kind::kReset: return fb::CacheEventKind::Reset;
  }
  return fb::CacheEventKind::Reset;
}

void ReplyEvents(Responder& out, const PollResult& p) {
  flatbuffers::FlatBufferBuilder fbb(128 + p.events.size() * 48);
  std::vector<flatbuffers::Offset<fb::CacheEvent>> events;
  events.reserve(p.events.size());
  for (const CacheEvent& e : p.events)
    events.push_back(fb::CreateCacheEvent(fbb, ToWire(e.kind), e.ino, e.parent,
                                          e.name.empty() ? 0 : fbb.CreateString(e.name), e.gone));
  fbb.Finish(fb::CreateAwaitEventsReply(fbb, fbb.CreateVector(events), p.last_seq, p.epoch));
  out.Reply(fbb);
}

}  // namespace

void MetaServer::RegisterEventHandlers() {
  LeaderOnly s{this, *cli_server_};
  s.Handle<fb::AwaitEventsRequest>(
      static_cast<uint16_t>(fb::MetaMethod::AwaitEvents), [this](Request&& req, Responder&& resp) {
        const auto* r = req.As<fb::AwaitEventsRequest>();
        // A poll is also proof that the mount lives: it renews the session.
        if (Status st = sessions_.KeepAlive(r->session(), NowMs()); !st.ok())
          return resp.Fail(st);
        auto out = std::make_shared<Responder>(std::move(resp));
        invalidations_.Poll(r->session(), r->epoch(), r->acked(), r->wait_ms(),
                            [out](const Status& st, const PollResult& p) {
                              if (!st.ok()) return out->Fail(st);
                              ReplyEvents(*out, p);
                            });
      });
}

}  // namespace opendfs::metad
