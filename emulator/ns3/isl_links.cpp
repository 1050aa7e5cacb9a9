#include "isl_links.hpp"

namespace leomesh::emulator {

std::vector<IslLink> install_isl_links(const mesh::Topology& topo, const ns3::NodeContainer& nodes, std::uint16_t mtu) {
  ns3::PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate",
                         ns3::DataRateValue(ns3::DataRate(static_cast<std::uint64_t>(topo.link_model().data_rate_bps))));
  p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(mtu));
  std::vector<IslLink> links;
  links.reserve(topo.links().size());
  for (const mesh::Link& l : topo.links()) {
    ns3::NetDeviceContainer devices =
        p2p.Install(nodes.Get(static_cast<std::uint32_t>(l.a)), nodes.Get(static_cast<std::uint32_t>(l.b)));
    IslLink link;
    link.end_a = ns3::DynamicCast<ns3::PointToPointNetDevice>(devices.Get(0));
    link.end_b = ns3::DynamicCast<ns3::PointToPointNetDevice>(devices.Get(1));
    link.channel = ns3::DynamicCast<ns3::PointToPointChannel>(link.end_a->GetChannel());
    link.drop_a = ns3::CreateObject<ns3::RateErrorModel>();
    link.drop_b = ns3::CreateObject<ns3::RateErrorModel>();
    for (auto& em : {link.drop_a, link.drop_b}) {
      em->SetUnit(ns3::RateErrorModel::ERROR_UNIT_PACKET);
      em->SetRate(1.0);
      em->Disable();
    }
    link.end_a->SetReceiveErrorModel(link.drop_a);
    link.end_b->SetReceiveErrorModel(link.drop_b);
    links.push_back(link);
  }
  apply_link_states(topo, links);
  return links;
}

void apply_link_states(const mesh::Topology& topo, std::vector<IslLink>& links) {
  for (std::size_t i = 0; i < links.size(); ++i) {
    const mesh::LinkState& s = topo.state(static_cast<int>(i));
    IslLink& l = links[i];
    l.channel->SetAttribute("Delay", ns3::TimeValue(ns3::Seconds(s.latency_s)));
    const bool down = !s.active;
    if (down == l.down) continue;
    l.down = down;
    if (down) {
      l.drop_a->Enable();
      l.drop_b->Enable();
    } else {
      l.drop_a->Disable();
      l.drop_b->Disable();
    }
  }
}

}  // namespace leomesh::emulator
